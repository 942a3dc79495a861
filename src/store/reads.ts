import type { Kysely } from 'kysely';
import { accessRecordBatches } from './access-record-batches.js';
import {
  type AccessRecord,
  type AccessRecordsPage,
  type AccessRecordsQuery,
  readAccessRecords,
} from './access-record-reads.js';
import type { StoreDialect } from './dialects/index.js';
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

/**
 * Dashboard and CLI reads: from the bucket tables only, but for the access records themselves. Each runs
 * in its dialect's read session.
 */
export class StoreReader {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly defaultEnvironment: string,
  ) {}

  routesPage(query: RoutesQuery = {}): Promise<RoutesPage> {
    return this.#read(readRoutes, query);
  }

  routeLists(query: RouteListsQuery): Promise<RouteLists> {
    return this.#read(readRouteLists, query);
  }

  timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
    return this.#read(readTimeseries, query);
  }

  summary(query: WindowQuery = {}): Promise<WindowSummary> {
    return this.#read(readWindowSummary, query);
  }

  latencyHistogram(query: WindowQuery = {}): Promise<LatencyBin[]> {
    return this.#read(readLatencyHistogram, query);
  }

  accessStatistics(query: WindowQuery = {}): Promise<AccessStatistics> {
    return this.#read(readAccessStatistics, query);
  }

  accessRecords(query: AccessRecordsQuery = {}): Promise<AccessRecordsPage> {
    return this.#read(readAccessRecords, query);
  }

  /** Every access record the filters match, oldest first, in batches (see accessRecordBatches). */
  accessRecordBatches(query: AccessRecordsQuery, batchSize: number): AsyncGenerator<AccessRecord[]> {
    return accessRecordBatches(this.db, query.environment ?? this.defaultEnvironment, query, batchSize);
  }

  #read<Q extends { environment?: string }, T>(
    read: (db: Kysely<Database>, environment: string, query: Q) => Promise<T>,
    query: Q,
  ): Promise<T> {
    const environment = query.environment ?? this.defaultEnvironment;
    return this.dialect.readSession(this.db, (db) => read(db, environment, query));
  }
}
