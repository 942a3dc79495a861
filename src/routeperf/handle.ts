import type { ResolvedConfig } from '../config/types.js';
import type { RouteSummary, RoutesQuery, TimeseriesPoint, TimeseriesQuery } from '../store/reads.js';
import { attachInternals, type RouteperfInternals } from './internals.js';
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
  /** Requests, error rate and request time per time step, of one route or of all. */
  timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]>;
}

/**
 * The handle createRouteperf returns. Adapters and the CLI reach the rest (`internalsOf`); an app cannot,
 * so that nothing it does can write metrics past the recorder or change the schema.
 */
export function routeperfHandle(
  publicParts: Pick<Routeperf, 'config' | 'mode' | 'stats' | 'close'>,
  internals: RouteperfInternals,
): Routeperf {
  const { store } = internals;
  const handle: Routeperf = {
    ...publicParts,
    routes: (query) => store.routes(query),
    timeseries: (query) => store.timeseries(query),
  };
  return attachInternals(handle, internals);
}
