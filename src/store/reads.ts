import type { Kysely } from 'kysely';
import { type RouteSummary, type RoutesQuery, readRoutes } from './route-summaries.js';
import type { Database } from './tables.js';
import { readTimeseries, type TimeseriesPoint, type TimeseriesQuery } from './timeseries.js';

export {
  type LatencySummary,
  ROUTE_SORT_KEYS,
  type RouteSortKey,
  type RouteSummary,
  type RoutesQuery,
} from './route-summaries.js';
export type { TimeInput } from './time-window.js';
export type { TimeseriesPoint, TimeseriesQuery } from './timeseries.js';

/** Dashboard and CLI reads. They touch aggregate tables only, never per-request rows. */
export class StoreReader {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaultEnvironment: string,
  ) {}

  routes(query: RoutesQuery = {}): Promise<RouteSummary[]> {
    return readRoutes(this.db, query.environment ?? this.defaultEnvironment, query);
  }

  timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
    return readTimeseries(this.db, query.environment ?? this.defaultEnvironment, query);
  }
}
