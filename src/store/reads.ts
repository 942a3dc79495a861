import type { Kysely } from 'kysely';
import { type AccessRecordsPage, type AccessRecordsQuery, readAccessRecords } from './access-record-reads.js';
import {
  type RouteLists,
  type RouteListsQuery,
  type RoutesPage,
  type RoutesQuery,
  readRouteLists,
  readRoutes,
} from './route-summaries.js';
import type { Database } from './tables.js';
import { readTimeseries, type TimeseriesPoint, type TimeseriesQuery } from './timeseries.js';
import {
  type AccessStatistics,
  type LatencyBin,
  readAccessStatistics,
  readLatencyHistogram,
  readWindowSummary,
  type WindowQuery,
  type WindowSummary,
} from './window-reads.js';

export {
  ACCESS_RECORD_SORT_KEYS,
  type AccessRecord,
  type AccessRecordSortKey,
  type AccessRecordsPage,
  type AccessRecordsQuery,
  STATUS_CLASSES,
  type StatusClass,
} from './access-record-reads.js';
export {
  type LatencySummary,
  ROUTE_SORT_KEYS,
  type RouteLists,
  type RouteListsQuery,
  type RouteOrder,
  type RouteSortKey,
  type RouteSummary,
  type RoutesPage,
  type RoutesQuery,
} from './route-summaries.js';
export type { TimeInput } from './time-window.js';
export type { TimeseriesPoint, TimeseriesQuery } from './timeseries.js';
export type { AccessStatistics, LatencyBin, WindowQuery, WindowSummary } from './window-reads.js';

/** Dashboard and CLI reads: from the bucket tables only, but for the access records themselves. */
export class StoreReader {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaultEnvironment: string,
  ) {}

  routesPage(query: RoutesQuery = {}): Promise<RoutesPage> {
    return readRoutes(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  routeLists(query: RouteListsQuery): Promise<RouteLists> {
    return readRouteLists(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
    return readTimeseries(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  summary(query: WindowQuery = {}): Promise<WindowSummary> {
    return readWindowSummary(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  latencyHistogram(query: WindowQuery = {}): Promise<LatencyBin[]> {
    return readLatencyHistogram(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  accessStatistics(query: WindowQuery = {}): Promise<AccessStatistics> {
    return readAccessStatistics(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  accessRecords(query: AccessRecordsQuery = {}): Promise<AccessRecordsPage> {
    return readAccessRecords(this.db, query.environment ?? this.defaultEnvironment, query);
  }
}
