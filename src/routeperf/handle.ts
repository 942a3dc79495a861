import type { ResolvedConfig } from '../config/types.js';
import type {
  AccessRecordsPage,
  AccessRecordsQuery,
  AccessStatistics,
  LatencyBin,
  RouteLists,
  RouteListsQuery,
  RouteSummary,
  RoutesPage,
  RoutesQuery,
  TimeseriesPoint,
  TimeseriesQuery,
  WindowQuery,
  WindowSummary,
} from '../store/reads.js';
import type { RecordingMode } from './recording-mode.js';
import type { RouteperfStats } from './stats.js';

/** One configured routeperf, as an app uses it: how it records, its counters, its reports, and close(). */
export interface Routeperf {
  readonly config: ResolvedConfig;
  readonly mode: RecordingMode;
  stats(): RouteperfStats;
  /** Sends or stores what is pending, waits for writes in flight, then releases every connection. */
  close(): Promise<void>;
  /** The routes of an environment over a time window: counts, statuses, latency percentiles, queries. */
  routes(query?: RoutesQuery): Promise<RouteSummary[]>;
  /** The same routes as `routes`, with how many pass the query's filters on every page. */
  routesPage(query?: RoutesQuery): Promise<RoutesPage>;
  /** The same routes in several orders, each with its own page (top lists), read once. */
  routeLists(query: RouteListsQuery): Promise<RouteLists>;
  /** Requests, error rate and request time per time step, of one route or of all. */
  timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]>;
  /** Every request of a window together, of one route or of all: counts, error rate, percentiles, queries. */
  summary(query?: WindowQuery): Promise<WindowSummary>;
  /** The latency histogram of a window, of one route or of all: request-time bins with their counts. */
  latencyHistogram(query?: WindowQuery): Promise<LatencyBin[]>;
  /** Requests per hour of the day and per weekday (UTC), of one route or of all. */
  accessStatistics(query?: WindowQuery): Promise<AccessStatistics>;
  /** Stored requests (when `accessRecords.enabled`), filtered, sorted and paged, and how many match. */
  accessRecords(query?: AccessRecordsQuery): Promise<AccessRecordsPage>;
}
