/**
 * What the pages show, read through the routeperf handle's `routes` and `timeseries` only, and computed
 * from them where they give no figure of their own: the overview's totals are sums and count-weighted
 * means over the route summaries, its p95 is the one point of a time series as wide as the window, and
 * the routes page filters, sorts and pages the summaries itself.
 */
import type { Routeperf } from '../routeperf.js';
import type { RoutesParams, StatusClass, ViewParams } from './params.js';
import { chartStep, wholeWindowStep } from './period.js';

export type RouteSummary = Awaited<ReturnType<Routeperf['routes']>>[number];
export type TimeseriesPoint = Awaited<ReturnType<Routeperf['timeseries']>>[number];

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
  /** The trend chart's points: requests, average and p95 request time per step. */
  trend: TimeseriesPoint[];
  step: number;
  slowest: RouteSummary[];
  queryHeavy: RouteSummary[];
  mostUsed: RouteSummary[];
}

const TOP = 5;

/** Every route of the view's environment and window, percentiles included. */
function allRoutes(routeperf: Routeperf, view: ViewParams): Promise<RouteSummary[]> {
  // Without a limit every route is on the one page, so every route's percentiles are read.
  return routeperf.routes({
    environment: view.environment,
    since: view.window.since,
    until: view.window.until,
  });
}

export async function readOverview(routeperf: Routeperf, view: ViewParams): Promise<Overview> {
  const { environment, window } = view;
  const step = chartStep(window);
  const [routes, trend, whole] = await Promise.all([
    allRoutes(routeperf, view),
    routeperf.timeseries({ environment, since: window.since, until: window.until, step }),
    routeperf.timeseries({
      environment,
      since: window.since,
      until: window.until,
      step: wholeWindowStep(window),
    }),
  ]);
  const top = (value: (route: RouteSummary) => number) =>
    routes
      .filter((route) => value(route) > 0)
      .sort((a, b) => value(b) - value(a) || a.route.localeCompare(b.route))
      .slice(0, TOP);
  return {
    kpis: { ...totals(routes), p95Time: whole[0]?.requestTime.p95 ?? 0 },
    trend,
    step,
    slowest: top((route) => route.requestTime.p95),
    queryHeavy: top((route) => route.queries.avg),
    mostUsed: top((route) => route.count),
  };
}

/** The overview's figures that sums and count-weighted means of the routes give. */
function totals(routes: RouteSummary[]): Omit<Kpis, 'p95Time'> {
  const requests = routes.reduce((sum, route) => sum + route.count, 0);
  const weighted = (value: (route: RouteSummary) => number) =>
    requests ? routes.reduce((sum, route) => sum + value(route) * route.count, 0) / requests : 0;
  return {
    routes: routes.length,
    requests,
    errorRate: weighted((route) => route.errorRate),
    averageTime: weighted((route) => route.requestTime.avg),
    averageQueries: weighted((route) => route.queries.avg),
    maxQueries: routes.reduce((max, route) => Math.max(max, route.queries.max), 0),
    nPlusOneSuspects: routes.filter((route) => route.nPlusOne.requests > 0).length,
  };
}

export interface RoutesPage {
  /** The routes of the page asked for (or of the last page, when it asked past the end). */
  routes: RouteSummary[];
  /** Routes that pass the filters, on every page. */
  total: number;
  page: number;
  pages: number;
  /** The methods of the window's routes, for the method filter. */
  methods: string[];
}

/** The routes page: the window's routes, filtered, sorted and cut to the page asked for. */
export async function readRoutesPage(routeperf: Routeperf, params: RoutesParams): Promise<RoutesPage> {
  const routes = await routeperf.routes({
    environment: params.environment,
    since: params.window.since,
    until: params.window.until,
    search: params.search || undefined,
    sort: params.sort,
    order: params.order,
  });
  const kept = routes.filter((route) => passesFilters(route, params));
  const pages = Math.max(1, Math.ceil(kept.length / params.size));
  const page = Math.min(params.page, pages);
  return {
    routes: kept.slice((page - 1) * params.size, page * params.size),
    total: kept.length,
    page,
    pages,
    methods: [...new Set(routes.map((route) => route.method))].sort(),
  };
}

function answeredWith(route: RouteSummary, status: StatusClass): boolean {
  return Object.entries(route.statusCodes).some(([code, count]) => count > 0 && code.startsWith(status[0]!));
}

function within(value: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

function passesFilters(route: RouteSummary, params: RoutesParams): boolean {
  return (
    (params.method === undefined || route.method === params.method) &&
    (params.status === undefined || answeredWith(route, params.status)) &&
    within(route.requestTime.avg, params.minAvg, params.maxAvg) &&
    within(route.queries.avg, params.minQueries, params.maxQueries)
  );
}
