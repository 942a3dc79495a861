/**
 * The query-string parameters of the pages, validated: a parameter that is missing, repeated, malformed
 * or out of range takes its default, so no address can make a page fail. The same values, written back,
 * make the links that keep the current view (`linkTo`).
 */
import type { Routeperf } from '../routeperf.js';
import { type TimeWindow, timeWindow } from './period.js';

type RoutesQuery = NonNullable<Parameters<Routeperf['routes']>[0]>;
export type RouteSortKey = NonNullable<RoutesQuery['sort']>;

/** Every sort key of the routes read, in the order of the routes table's columns. */
export const SORT_KEYS = [
  'route',
  'count',
  'errorRate',
  'avg',
  'p50',
  'p90',
  'p95',
  'p99',
  'max',
  'queries',
  'queryTime',
  'nPlusOne',
  'memory',
  'lastAccessed',
] as const satisfies readonly RouteSortKey[];
/** Fails to compile when the routes read gains a sort key the table does not offer. */
const everySortKey: [Exclude<RouteSortKey, (typeof SORT_KEYS)[number]>] extends [never] ? true : false = true;
void everySortKey;

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
/** The methods the method filters offer: HTTP's own, plus whatever one the address names. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
export const PAGE_SIZES = [25, 50, 100] as const;

/** What every page shows: an environment over a time window. */
export interface ViewParams {
  environment: string;
  window: TimeWindow;
}

export interface RoutesParams extends ViewParams {
  search: string;
  method?: string;
  status?: StatusClass;
  minAvg?: number;
  maxAvg?: number;
  minQueries?: number;
  maxQueries?: number;
  sort: RouteSortKey;
  order: 'asc' | 'desc';
  page: number;
  size: (typeof PAGE_SIZES)[number];
}

export function oneOf<T extends string | number>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((candidate) => String(candidate) === value);
}

/** A number written plainly (`12`, `0.5`), at least 0 and at most a trillion; undefined otherwise. */
export function amount(value: string | null): number | undefined {
  if (value === null || !/^\d{1,13}(\.\d{1,6})?$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

export function viewParams(
  query: URLSearchParams,
  environments: readonly string[],
  now?: number,
): ViewParams {
  const environment = oneOf(query.get('env'), environments) ?? environments[0]!;
  return { environment, window: timeWindow(query.get('period'), query.get('from'), query.get('to'), now) };
}

export function routesParams(
  query: URLSearchParams,
  environments: readonly string[],
  now?: number,
): RoutesParams {
  const sort = oneOf(query.get('sort'), SORT_KEYS) ?? 'avg';
  return {
    ...viewParams(query, environments, now),
    search: (query.get('q') ?? '').trim().slice(0, 200),
    method: methodParam(query),
    status: oneOf(query.get('status'), STATUS_CLASSES),
    minAvg: amount(query.get('minAvg')),
    maxAvg: amount(query.get('maxAvg')),
    minQueries: amount(query.get('minQueries')),
    maxQueries: amount(query.get('maxQueries')),
    sort,
    order: oneOf(query.get('order'), ['asc', 'desc'] as const) ?? (sort === 'route' ? 'asc' : 'desc'),
    page: pageParam(query),
    size: sizeParam(query),
  };
}

/** `method`, upper-cased, when it is letters only. */
export function methodParam(query: URLSearchParams): string | undefined {
  const method = query.get('method')?.trim().toUpperCase();
  return method && /^[A-Z]{1,20}$/.test(method) ? method : undefined;
}

/** `page`, from 1. */
export function pageParam(query: URLSearchParams): number {
  return /^\d{1,6}$/.test(query.get('page') ?? '') ? Math.max(1, Number(query.get('page'))) : 1;
}

/** `size`, one of PAGE_SIZES, 25 by default. */
export function sizeParam(query: URLSearchParams): (typeof PAGE_SIZES)[number] {
  return oneOf(query.get('size'), PAGE_SIZES.map(String))
    ? (Number(query.get('size')) as (typeof PAGE_SIZES)[number])
    : 25;
}

/** The parameters that keep a view (environment and window) in a link. */
export function viewQuery(view: ViewParams): Record<string, string> {
  const { window } = view;
  return {
    env: view.environment,
    period: window.period,
    ...(window.period === 'custom' ? { from: window.from!, to: window.to! } : {}),
  };
}

/** The parameters of a routes page, defaults left out. */
export function routesQuery(params: RoutesParams): Record<string, string | number | undefined> {
  return {
    ...viewQuery(params),
    q: params.search || undefined,
    method: params.method,
    status: params.status,
    minAvg: params.minAvg,
    maxAvg: params.maxAvg,
    minQueries: params.minQueries,
    maxQueries: params.maxQueries,
    sort: params.sort,
    order: params.order,
    size: params.size === 25 ? undefined : params.size,
    page: params.page === 1 ? undefined : params.page,
  };
}

/** The link to a route's page, keeping the view. */
export function routeLink(base: string, view: ViewParams, route: { method: string; route: string }): string {
  return linkTo(`${base}/route`, { ...viewQuery(view), method: route.method, route: route.route });
}

/** `path?key=value…`, without the parameters whose value is undefined. */
export function linkTo(path: string, parameters: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters))
    if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
