import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from 'kysely';
import type { Database } from './tables.js';
import { ms, type TimeInput } from './time-window.js';

export const ACCESS_RECORD_SORT_KEYS = [
  'createdAt',
  'requestTime',
  'queryCount',
  'queryTime',
  'memory',
  'statusCode',
] as const;
export type AccessRecordSortKey = (typeof ACCESS_RECORD_SORT_KEYS)[number];

/** Status classes a filter may name instead of one code. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export interface AccessRecordsQuery {
  /** Default: the configured environment. */
  environment?: string;
  /** Route template, exactly. */
  route?: string;
  method?: string;
  since?: TimeInput;
  until?: TimeInput;
  /** One status code, or a class such as `'5xx'`. */
  status?: number | StatusClass;
  /** Case-insensitive substrings of the path (with its query string) and of the referer. */
  path?: string;
  referer?: string;
  /** The user id, exactly. */
  userId?: string;
  /** Bounds (inclusive) of request time (ms) and of the number of queries. */
  minRequestTime?: number;
  maxRequestTime?: number;
  minQueries?: number;
  maxQueries?: number;
  /** Default 'createdAt'. */
  sort?: AccessRecordSortKey;
  /** Default 'desc'. */
  order?: 'asc' | 'desc';
  /** Default 50. */
  limit?: number;
  offset?: number;
}

/** One stored request. Times in ms, memory in bytes. */
export interface AccessRecord {
  /** routeperf's id of the request. */
  requestId: string;
  method: string;
  route: string;
  at: Date;
  statusCode: number;
  requestTime: number;
  queryCount: number;
  queryTime: number;
  /** The most times one SQL shape ran, and that shape, when a tracker recorded shapes. */
  queryRepeat: number | null;
  repeatedQuery: string | null;
  memory: number;
  path: string | null;
  referer: string | null;
  userId: string | null;
  /** The client's request id header, when it sent a sane one. */
  correlationId: string | null;
}

/** A page of access records and how many match the query in all. */
export interface AccessRecordsPage {
  total: number;
  records: AccessRecord[];
}

const SORT_COLUMN = {
  createdAt: 'access_records.created_at',
  requestTime: 'access_records.request_time',
  queryCount: 'access_records.query_count',
  queryTime: 'access_records.query_time',
  memory: 'access_records.memory',
  statusCode: 'access_records.status_code',
} as const;

/** `lower(column) like %text%`, the user's `%` and `_` taken literally. */
function contains(
  eb: ExpressionBuilder<Database, 'access_records'>,
  column: 'access_records.path' | 'access_records.referer',
  text: string,
) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${eb.ref(column)}) like ${pattern} escape ${'\\'}`;
}

/** The conditions of the query's filters on an access record's own columns (route and environment aside). */
export function recordConditions(
  eb: ExpressionBuilder<Database, 'access_records'>,
  query: AccessRecordsQuery,
) {
  const conditions: Expression<SqlBool>[] = [];
  const bounds = [
    ['access_records.created_at', '>=', query.since === undefined ? undefined : ms(query.since)],
    ['access_records.created_at', '<', query.until === undefined ? undefined : ms(query.until)],
    ['access_records.request_time', '>=', query.minRequestTime],
    ['access_records.request_time', '<=', query.maxRequestTime],
    ['access_records.query_count', '>=', query.minQueries],
    ['access_records.query_count', '<=', query.maxQueries],
  ] as const;
  for (const [column, op, value] of bounds) if (value !== undefined) conditions.push(eb(column, op, value));
  if (query.userId !== undefined) conditions.push(eb('access_records.user_id', '=', query.userId));
  if (typeof query.status === 'number') conditions.push(eb('access_records.status_code', '=', query.status));
  else if (query.status !== undefined) {
    const first = Number(query.status[0]) * 100;
    conditions.push(
      eb('access_records.status_code', '>=', first),
      eb('access_records.status_code', '<', first + 100),
    );
  }
  if (query.path) conditions.push(contains(eb, 'access_records.path', query.path));
  if (query.referer) conditions.push(contains(eb, 'access_records.referer', query.referer));
  return eb.and(conditions);
}

/**
 * The access records of one environment (of all with undefined) matching every filter the query sets, its
 * sort and paging aside. `routeIds`, when given, are the ids of the query's route (see routeIdsOf).
 */
export function matchingAccessRecords(
  db: Kysely<Database>,
  environment: string | undefined,
  query: AccessRecordsQuery,
  routeIds?: readonly number[],
) {
  let rows = db
    .selectFrom('access_records')
    .innerJoin('routes', 'routes.id', 'access_records.route_id')
    .where((eb) => recordConditions(eb, query));
  if (environment !== undefined) rows = rows.where('routes.environment', '=', environment);
  if (routeIds !== undefined)
    rows = rows.where('access_records.route_id', 'in', routeIds.length ? [...routeIds] : [-1]);
  else {
    if (query.route !== undefined) rows = rows.where('routes.route', '=', query.route);
    if (query.method !== undefined) rows = rows.where('routes.method', '=', query.method.toUpperCase());
  }
  return rows;
}

/** What a listing or an export reads of each access record, its route's method and template aside. */
export const OWN_FIELDS = [
  'access_records.request_id',
  'access_records.created_at',
  'access_records.status_code',
  'access_records.request_time',
  'access_records.query_count',
  'access_records.query_time',
  'access_records.query_repeat',
  'access_records.repeated_query',
  'access_records.memory',
  'access_records.path',
  'access_records.referer',
  'access_records.user_id',
  'access_records.correlation_id',
] as const;

/** What a listing reads of each access record, with its route. */
const RECORD_FIELDS = [...OWN_FIELDS, 'routes.method', 'routes.route'] as const;

type RecordRow = Pick<
  Selectable<Database['access_records']>,
  | 'request_id'
  | 'created_at'
  | 'status_code'
  | 'request_time'
  | 'query_count'
  | 'query_time'
  | 'query_repeat'
  | 'repeated_query'
  | 'memory'
  | 'path'
  | 'referer'
  | 'user_id'
  | 'correlation_id'
>;

/** The route an access record is of. */
export interface RouteName {
  method: string;
  route: string;
}

/** An access record as read, with its route (from the same row, or given apart). */
export function toAccessRecord(row: RecordRow, { method, route }: RouteName): AccessRecord {
  return {
    requestId: row.request_id,
    method,
    route,
    at: new Date(Number(row.created_at)),
    statusCode: Number(row.status_code),
    requestTime: Number(row.request_time),
    queryCount: Number(row.query_count),
    queryTime: Number(row.query_time),
    queryRepeat: row.query_repeat === null ? null : Number(row.query_repeat),
    repeatedQuery: row.repeated_query,
    memory: Number(row.memory),
    path: row.path,
    referer: row.referer,
    userId: row.user_id,
    correlationId: row.correlation_id,
  };
}

/** The access records the query asks for, newest first unless it sorts otherwise, and their number. */
export async function readAccessRecords(
  db: Kysely<Database>,
  environment: string,
  query: AccessRecordsQuery,
): Promise<AccessRecordsPage> {
  const routeIds = await routeIdsOf(db, environment, query);
  const { total } = await matchingAccessRecords(db, environment, query, routeIds)
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  const direction = query.order ?? 'desc';
  const rows = await matchingAccessRecords(db, environment, query, routeIds)
    .select(RECORD_FIELDS)
    // The id breaks ties: pages of one listing neither repeat nor skip a record.
    .orderBy(SORT_COLUMN[query.sort ?? 'createdAt'], direction)
    .orderBy('access_records.id', direction)
    .limit(query.limit ?? 50)
    .offset(query.offset ?? 0)
    .execute();
  return {
    total: Number(total),
    records: rows.map((row) => toAccessRecord(row, row)),
  };
}

/**
 * The ids of the query's route (of every method of it unless it names one), undefined when it names none.
 * Given to the database as values, they let it plan for that route's own records: a busy route's slowest
 * requests are then walked from an index, not sorted from all of its records.
 */
export async function routeIdsOf(
  db: Kysely<Database>,
  environment: string,
  query: AccessRecordsQuery,
): Promise<number[] | undefined> {
  if (query.route === undefined) return undefined;
  let routes = db
    .selectFrom('routes')
    .select('id')
    .where('environment', '=', environment)
    .where('route', '=', query.route);
  if (query.method !== undefined) routes = routes.where('method', '=', query.method.toUpperCase());
  return (await routes.execute()).map((row) => Number(row.id));
}
