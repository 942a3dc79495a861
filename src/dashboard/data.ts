/**
 * What the overview and the routes page show, read through the routeperf handle: the overview's figures
 * from `summary`, its trend from `timeseries` and its top lists from `routesPage` (five routes each, in
 * the store's order); the routes page from one `routesPage` that filters, sorts and pages in the store.
 */
import type { Routeperf } from '../routeperf.js';
import type { RoutesParams, ViewParams } from './params.js';
import { chartStep } from './period.js';

export type RouteSummary = Awaited<ReturnType<Routeperf['routes']>>[number];
export type TimeseriesPoint = Awaited<ReturnType<Routeperf['timeseries']>>[number];
export type WindowSummary = Awaited<ReturnType<Routeperf['summary']>>;
export type RoutesQuery = NonNullable<Parameters<Routeperf['routesPage']>[0]>;
type RouteOrder = Parameters<Routeperf['routeLists']>[0]['lists'][number];

export interface Kpis {
  routes: number;
  requests: number;
  errorRate: number;
  averageTime: number;
  p95Time: number;
  averageQueries: number;
  maxQueries: number;
  nPlusOneSuspects: number;
}

export interface Overview {
  kpis: Kpis;
  /** The trend chart's points: requests, p50 and p95 request time per step. */
  trend: TimeseriesPoint[];
  step: number;
  slowest: RouteSummary[];
  queryHeavy: RouteSummary[];
  mostUsed: RouteSummary[];
}

const TOP = 5;

/** The window of a view as the reads take it. */
export function windowOf(view: ViewParams): { environment: string; since: number; until: number } {
  return { environment: view.environment, since: view.window.since, until: view.window.until };
}

export function kpisOf(summary: WindowSummary): Kpis {
  return {
    routes: summary.routes,
    requests: summary.count,
    errorRate: summary.errorRate,
    averageTime: summary.requestTime.avg,
    p95Time: summary.requestTime.p95,
    averageQueries: summary.queries.avg,
    maxQueries: summary.queries.max,
    nPlusOneSuspects: summary.nPlusOne.routes,
  };
}

export async function readOverview(routeperf: Routeperf, view: ViewParams): Promise<Overview> {
  const window = windowOf(view);
  const step = chartStep(view.window);
  // The three top lists are one read of the routes in three orders: percentiles, status codes and the
  // repeated query are read for their five routes each only.
  const top = (sort: RouteOrder['sort']) => ({ sort, order: 'desc' as const, limit: TOP });
  const [summary, trend, { lists }] = await Promise.all([
    routeperf.summary(window),
    routeperf.timeseries({ ...window, step }),
    routeperf.routeLists({ ...window, lists: [top('p95'), top('queries'), top('count')] }),
  ]);
  const [slowest, queryHeavy, mostUsed] = lists as [RouteSummary[], RouteSummary[], RouteSummary[]];
  return {
    kpis: kpisOf(summary),
    trend,
    step,
    slowest: slowest.filter((route) => route.requestTime.p95 > 0),
    queryHeavy: queryHeavy.filter((route) => route.queries.avg > 0),
    mostUsed: mostUsed.filter((route) => route.count > 0),
  };
}

export interface RoutesPage {
  /** The routes of the page asked for (or of the last page, when it asked past the end). */
  routes: RouteSummary[];
  /** Routes that pass the filters, on every page. */
  total: number;
  page: number;
  pages: number;
}

/** The routes query of the routes page's filters and sort, without its paging. */
export function routesFilterQuery(params: RoutesParams): RoutesQuery {
  return {
    ...windowOf(params),
    search: params.search || undefined,
    method: params.method,
    statusClass: params.status,
    minAvgTime: params.minAvg,
    maxAvgTime: params.maxAvg,
    minAvgQueries: params.minQueries,
    maxAvgQueries: params.maxQueries,
    sort: params.sort,
    order: params.order,
  };
}

/**
 * Page `page` of `size` rows through `read`; the last page instead when it asked past the end, as a pager
 * that went one step too far expects.
 */
export async function readPage<T extends { total: number }>(
  read: (range: { limit: number; offset: number }) => Promise<T>,
  page: number,
  size: number,
): Promise<{ read: T; page: number; pages: number }> {
  const at = (page: number) => read({ limit: size, offset: (page - 1) * size });
  const first = await at(page);
  const pages = Math.max(1, Math.ceil(first.total / size));
  if (page <= pages) return { read: first, page, pages };
  return { read: await at(pages), page: pages, pages };
}

/** The routes page: one page of the window's routes, filtered, sorted and paged by the store. */
export async function readRoutesPage(routeperf: Routeperf, params: RoutesParams): Promise<RoutesPage> {
  const query = routesFilterQuery(params);
  const { read, page, pages } = await readPage(
    (range) => routeperf.routesPage({ ...query, ...range }),
    params.page,
    params.size,
  );
  return { routes: read.routes, total: read.total, page, pages };
}
