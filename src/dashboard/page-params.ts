/**
 * The query-string parameters of the route, access statistics and access records pages, validated like
 * those of the routes page (params.ts): whatever is missing or wrong takes its default.
 */
import type { Routeperf } from '../routeperf.js';
import {
  amount,
  methodParam,
  oneOf,
  type PAGE_SIZES,
  pageParam,
  sizeParam,
  type ViewParams,
  viewParams,
  viewQuery,
} from './params.js';

type RecordsQuery = NonNullable<Parameters<Routeperf['accessRecords']>[0]>;
export type RecordSortKey = NonNullable<RecordsQuery['sort']>;

/** Every sort key of the access records read, in the order of the records table's columns. */
export const RECORD_SORT_KEYS = [
  'createdAt',
  'statusCode',
  'requestTime',
  'queryCount',
  'queryTime',
  'memory',
] as const satisfies readonly RecordSortKey[];
const everyRecordSortKey: [Exclude<RecordSortKey, (typeof RECORD_SORT_KEYS)[number]>] extends [never]
  ? true
  : false = true;
void everyRecordSortKey;

export const RECORD_STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
type RecordStatusClass = (typeof RECORD_STATUS_CLASSES)[number];

/** The longest route name, path, referer or user id a filter takes. */
const MAX_TEXT = 2000;

/** A page of one route, or (both undefined) of every route. */
export interface RouteParams extends ViewParams {
  method?: string;
  route?: string;
}

export interface RecordsParams extends RouteParams {
  /** A status code (100 to 599) or a class such as `5xx`. */
  status?: number | RecordStatusClass;
  path?: string;
  referer?: string;
  userId?: string;
  minTime?: number;
  maxTime?: number;
  minQueries?: number;
  maxQueries?: number;
  sort: RecordSortKey;
  order: 'asc' | 'desc';
  page: number;
  size: (typeof PAGE_SIZES)[number];
}

/** A text filter: trimmed, cut to MAX_TEXT characters, undefined when empty. */
function text(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name)?.trim().slice(0, MAX_TEXT);
  return value ? value : undefined;
}

export function routeParams(
  query: URLSearchParams,
  environments: readonly string[],
  now?: number,
): RouteParams {
  // A route name is taken as given, spaces included: it is compared exactly.
  const route = query.get('route')?.slice(0, MAX_TEXT);
  return { ...viewParams(query, environments, now), method: methodParam(query), route: route || undefined };
}

function statusParam(value: string | null): RecordsParams['status'] {
  const status = value?.trim().toLowerCase() ?? '';
  if (/^[1-5]\d\d$/.test(status)) return Number(status);
  return oneOf(status, RECORD_STATUS_CLASSES);
}

export function recordsParams(
  query: URLSearchParams,
  environments: readonly string[],
  now?: number,
): RecordsParams {
  return {
    ...routeParams(query, environments, now),
    status: statusParam(query.get('status')),
    path: text(query, 'path'),
    referer: text(query, 'referer'),
    userId: text(query, 'user'),
    minTime: amount(query.get('minTime')),
    maxTime: amount(query.get('maxTime')),
    minQueries: amount(query.get('minQueries')),
    maxQueries: amount(query.get('maxQueries')),
    sort: oneOf(query.get('sort'), RECORD_SORT_KEYS) ?? 'createdAt',
    order: oneOf(query.get('order'), ['asc', 'desc'] as const) ?? 'desc',
    page: pageParam(query),
    size: sizeParam(query),
  };
}

/** The parameters of a route page (or of the access page of one route). */
export function routeQuery(params: RouteParams): Record<string, string | number | undefined> {
  return { ...viewQuery(params), method: params.method, route: params.route };
}

/** The filters of a records page, as parameters; the view, sort and paging left out. */
export function recordsFilters(params: RecordsParams): Record<string, string | number | undefined> {
  return {
    method: params.method,
    route: params.route,
    status: params.status,
    path: params.path,
    referer: params.referer,
    user: params.userId,
    minTime: params.minTime,
    maxTime: params.maxTime,
    minQueries: params.minQueries,
    maxQueries: params.maxQueries,
  };
}

/** The parameters of a records page, defaults left out. */
export function recordsQuery(params: RecordsParams): Record<string, string | number | undefined> {
  return {
    ...viewQuery(params),
    ...recordsFilters(params),
    sort: params.sort === 'createdAt' ? undefined : params.sort,
    order: params.order === 'desc' ? undefined : params.order,
    size: params.size === 25 ? undefined : params.size,
    page: params.page === 1 ? undefined : params.page,
  };
}

/** The access records read of a records page's filters and sort, without its paging. */
export function recordsFilterQuery(params: RecordsParams): RecordsQuery {
  return {
    environment: params.environment,
    since: params.window.since,
    until: params.window.until,
    route: params.route,
    method: params.method,
    status: params.status,
    path: params.path,
    referer: params.referer,
    userId: params.userId,
    minRequestTime: params.minTime,
    maxRequestTime: params.maxTime,
    minQueries: params.minQueries,
    maxQueries: params.maxQueries,
    sort: params.sort,
    order: params.order,
  };
}
