import type { Generated } from 'kysely';
import type { RequestMetrics } from '../record/metrics.js';

/** A column of a bulk insert and the SQL type its values travel as. */
export type BulkColumn = readonly [
  name: string,
  type: 'bigint' | 'integer' | 'double precision' | 'text' | 'bytea',
];

/** Logical table names; the prefix plugin turns them into `<tablePrefix><name>`. */
export const TABLES = [
  'routes',
  'environments',
  'aggregates',
  'status_counts',
  'histogram',
  'rollups',
  'rollup_statuses',
  'access_records',
  'processed_messages',
  'failed_messages',
  'workers',
  'control',
  'alert_states',
  'alert_deliveries',
  'leases',
] as const;

/** Width of one aggregate bucket: windows and time series are exact to the minute. */
export const BUCKET_MS = 60_000;
/** An hour, a quarter of a day, a day and a week in ms, as literal types, so that `Resolution` names exactly these widths. */
export const HOUR_MS = 3_600_000;
export const QUARTER_DAY_MS = 21_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 604_800_000;

/**
 * The resolutions rolled-up buckets are kept at, by their width in ms (the `resolution` column), coarsest
 * first. Buckets start at whole minutes, hours, quarter days (00:00, 06:00, 12:00, 18:00) and days of UTC;
 * weeks at multiples of 7 days since the epoch (Thursdays). Quarter days and weeks are indexes for reads:
 * a window of the last 24 hours reads at most 9 rows per route where it would read 25 hours, one of 28 days
 * 4 rows where it would read 28 days.
 */
export const RESOLUTIONS = [WEEK_MS, DAY_MS, QUARTER_DAY_MS, HOUR_MS, BUCKET_MS] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface RoutesTable {
  id: Generated<number>;
  environment: string;
  method: string;
  route: string;
  first_seen_at: number;
  last_accessed_at: number;
  /** The route's review (see RouteReview): when, by whom, and whether queries and time improved (1, 0). */
  reviewed_at: number | null;
  reviewed_by: string | null;
  queries_improved: number | null;
  time_improved: number | null;
}

/**
 * One row per environment with routes: the lock a transaction holds while it adds routes, so that
 * `maxRoutes` holds for the whole store (see RouteAdmission).
 */
export interface EnvironmentsTable {
  environment: string;
  /** When a writer last took the row to add routes. */
  locked_at: number;
}

/**
 * One row per route and minute; sums and extremes merge with upserts. Ingestion writes here; the rollup
 * moves the rows of past minutes into `rollups`, so these tables hold only what is not rolled up yet.
 */
export interface AggregatesTable extends BucketTotals {
  route_id: number;
  bucket: number;
}

/** The sums and extremes of the requests of one route in one bucket. */
export interface BucketTotals {
  count: number;
  time_sum: number;
  time_min: number;
  time_max: number;
  query_count_sum: number;
  query_count_max: number;
  query_time_sum: number;
  query_time_max: number;
  /** The largest number of times one SQL shape ran in one request of the minute. */
  query_repeat_max: number;
  /** The shape that ran `query_repeat_max` times, when that is more than once. */
  repeated_query: string | null;
  /** Requests that ran one shape more than `nPlusOneThreshold` times. */
  n_plus_one_count: number;
  memory_sum: number;
  memory_max: number;
}

/**
 * Rolled-up buckets: one row per route, resolution (minute, hour, day) and bucket, with the same totals as
 * `aggregates` and the bucket's latency histogram encoded in `latency_bins` (see histogram-blob.ts).
 */
export interface RollupsTable extends BucketTotals, PercentileBins {
  route_id: number;
  resolution: number;
  bucket: number;
  latency_bins: Uint8Array;
}

/**
 * A rolled-up bucket's percentiles as latency bins (see histogram.ts `quantileBins`); null in buckets
 * rolled up before they were kept.
 */
export interface PercentileBins {
  p50_bin: number | null;
  p90_bin: number | null;
  p95_bin: number | null;
  p99_bin: number | null;
}

/** Requests per status code of each rolled-up bucket. */
export interface RollupStatusesTable {
  route_id: number;
  resolution: number;
  bucket: number;
  status_code: number;
  count: number;
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
  /** The message id routeperf made for the request: unique, the deduplication key. */
  request_id: string;
  route_id: number;
  created_at: number;
  status_code: number;
  request_time: number;
  query_count: number;
  query_time: number;
  /** The largest number of times one SQL shape ran in the request; null when no tracker recorded shapes. */
  query_repeat: number | null;
  repeated_query: string | null;
  memory: number;
  path: string | null;
  referer: string | null;
  user_id: string | null;
  /** The client's request id header, when it sent a sane one; not unique. */
  correlation_id: string | null;
  /** MySQL only: the token of the insert that claimed the request id (see claim-insert.ts). */
  claim: number | null;
}

/** An access record's columns and their types, in the order of `accessRecordValues`. */
export const ACCESS_RECORD_COLUMNS = [
  ['request_id', 'text'],
  ['route_id', 'bigint'],
  ['created_at', 'bigint'],
  ['status_code', 'integer'],
  ['request_time', 'double precision'],
  ['query_count', 'integer'],
  ['query_time', 'double precision'],
  ['memory', 'double precision'],
  ['path', 'text'],
  ['referer', 'text'],
  ['user_id', 'text'],
  ['correlation_id', 'text'],
  ['query_repeat', 'integer'],
  ['repeated_query', 'text'],
] as const satisfies readonly (readonly [keyof AccessRecordsTable, BulkColumn[1]])[];

/** A request's access record as the values of `ACCESS_RECORD_COLUMNS`. */
export function accessRecordValues(m: RequestMetrics, routeId: number): unknown[] {
  return [
    m.id,
    routeId,
    m.ts,
    m.statusCode,
    m.requestTime,
    m.queryCount,
    m.queryTime,
    m.memory,
    m.path ?? null,
    m.referer ?? null,
    m.userId ?? null,
    m.correlationId ?? null,
    m.queryRepeat ?? null,
    m.repeatedQuery ?? null,
  ];
}

/** Ids of messages already ingested, so that a redelivered message is not counted twice. */
export interface ProcessedMessagesTable {
  message_id: string;
  processed_at: number;
  /** MySQL only: the token of the insert that claimed the message id (see claim-insert.ts). */
  claim: number | null;
}

/** Messages a worker gave up on, with the reason, for `routeperf failed …`. */
export interface FailedMessagesTable {
  id: Generated<number>;
  message_id: string | null;
  body: string;
  error: string;
  transport: string;
  attempts: number;
  failed_at: number;
}

/** One row per worker process, refreshed by its heartbeat. */
export interface WorkersTable {
  id: string;
  host: string;
  pid: number;
  transport: string;
  started_at: number;
  heartbeat_at: number;
  last_batch_at: number | null;
  handled: number;
  failed: number;
  stopped_at: number | null;
}

export interface ControlTable {
  name: string;
  value: number;
}

/** An alert rule's state for one subject (a route, or a whole environment with method and route null). */
export interface AlertStatesTable {
  id: string;
  rule: string;
  environment: string;
  method: string | null;
  route: string | null;
  /** 1 when the rule matched at the last change. */
  matching: number;
  /** What the channels were last told: 'firing', 'resolved', or null (nothing yet). */
  notified: string | null;
  value: number;
  requests: number;
  since: number | null;
  /** When the last 'firing' message went out: the cooldown counts from it. */
  last_sent_at: number | null;
  changed_at: number;
  /** Bumped by every write: two evaluators write a change only once (compare and set). */
  version: number;
}

/** One message to one channel, sent or failed. */
export interface AlertDeliveriesTable {
  id: Generated<number>;
  sent_at: number;
  rule: string;
  environment: string;
  method: string | null;
  route: string | null;
  status: string;
  is_repeat: number;
  channel: string;
  outcome: string;
  attempts: number;
  error: string | null;
}

/** A named lease: who holds it, until when. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface Database {
  routes: RoutesTable;
  environments: EnvironmentsTable;
  aggregates: AggregatesTable;
  status_counts: StatusCountsTable;
  histogram: HistogramTable;
  rollups: RollupsTable;
  rollup_statuses: RollupStatusesTable;
  access_records: AccessRecordsTable;
  processed_messages: ProcessedMessagesTable;
  failed_messages: FailedMessagesTable;
  workers: WorkersTable;
  control: ControlTable;
  alert_states: AlertStatesTable;
  alert_deliveries: AlertDeliveriesTable;
  leases: LeasesTable;
}
