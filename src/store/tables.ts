import type { Generated } from 'kysely';

/** Logical table names; the prefix plugin turns them into `<tablePrefix><name>`. */
export const TABLES = ['routes', 'aggregates', 'status_counts', 'histogram', 'access_records'] as const;

/** Width of one aggregate bucket: windows and time series are exact to the minute. */
export const BUCKET_MS = 60_000;

export interface RoutesTable {
  id: Generated<number>;
  environment: string;
  method: string;
  route: string;
  first_seen_at: number;
  last_accessed_at: number;
}

/** One row per route and minute; sums and extremes merge with upserts. */
export interface AggregatesTable {
  route_id: number;
  bucket: number;
  count: number;
  time_sum: number;
  time_min: number;
  time_max: number;
  query_count_sum: number;
  query_count_max: number;
  query_time_sum: number;
  query_time_max: number;
  memory_sum: number;
  memory_max: number;
}

export interface StatusCountsTable {
  route_id: number;
  bucket: number;
  status_code: number;
  count: number;
}

export interface HistogramTable {
  route_id: number;
  bucket: number;
  bin: number;
  count: number;
}

export interface AccessRecordsTable {
  id: Generated<number>;
  request_id: string;
  route_id: number;
  created_at: number;
  status_code: number;
  request_time: number;
  query_count: number;
  query_time: number;
  memory: number;
  path: string | null;
  referer: string | null;
  user_id: string | null;
}

export interface Database {
  routes: RoutesTable;
  aggregates: AggregatesTable;
  status_counts: StatusCountsTable;
  histogram: HistogramTable;
  access_records: AccessRecordsTable;
}
