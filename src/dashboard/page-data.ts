/**
 * What the route, statistics, access records and access statistics pages show, read through the
 * routeperf handle. Every read of routes or records is paged: the store reads percentiles, status codes
 * and repeated queries for the routes of the page only.
 */
import type { Routeperf } from '../routeperf.js';
import { type RouteSummary, readPage, type TimeseriesPoint, type WindowSummary, windowOf } from './data.js';
import { type RecordsParams, type RouteParams, recordsFilterQuery } from './page-params.js';
import type { ViewParams } from './params.js';
import { chartStep } from './period.js';
import { type RouteFigures, routeStatistics, type Statistics } from './statistics.js';

export type LatencyBin = Awaited<ReturnType<Routeperf['latencyHistogram']>>[number];
export type AccessStatistics = Awaited<ReturnType<Routeperf['accessStatistics']>>;
export type AccessRecordsPage = Awaited<ReturnType<Routeperf['accessRecords']>>;
export type AccessRecord = AccessRecordsPage['records'][number];

/** How many of a route's slowest requests its page lists. */
export const SLOWEST_RECORDS = 10;

export interface RouteDetail {
  summary: WindowSummary;
  /** The route's summary (status codes, N+1 shape, review); undefined when it had no request. */
  route: RouteSummary | undefined;
  series: TimeseriesPoint[];
  step: number;
  histogram: LatencyBin[];
  /** Its slowest requests of the window; undefined when access records are off. */
  slowest: AccessRecord[] | undefined;
}

/** The page of one route (`params.route` and `params.method` set). */
export async function readRouteDetail(
  routeperf: Routeperf,
  params: RouteParams & { route: string; method: string },
  accessRecords: boolean,
): Promise<RouteDetail> {
  const one = { ...windowOf(params), route: params.route, method: params.method };
  const step = chartStep(params.window);
  const [summary, page, series, histogram, slowest] = await Promise.all([
    routeperf.summary(one),
    routeperf.routesPage({ ...one, limit: 1 }),
    routeperf.timeseries({ ...one, step }),
    routeperf.latencyHistogram(one),
    accessRecords
      ? routeperf.accessRecords({ ...one, sort: 'requestTime', order: 'desc', limit: SLOWEST_RECORDS })
      : undefined,
  ]);
  return { summary, route: page.routes[0], series, step, histogram, slowest: slowest?.records };
}

export interface StatisticsData {
  statistics: Statistics;
  /** Routes of the window in all; more than were read when the window has more than `maxRoutes`. */
  total: number;
}

/** The figures the statistics use, from a route summary. */
export function figuresOf(route: RouteSummary): RouteFigures {
  return {
    method: route.method,
    route: route.route,
    count: route.count,
    avgTime: route.requestTime.avg,
    p95: route.requestTime.p95,
    queries: route.queries.avg,
    queryTime: route.queries.timeAvg,
    memory: route.memory.avg,
    errorRate: route.errorRate,
    nPlusOneRequests: route.nPlusOne.requests,
    repeatedQuery: route.nPlusOne.query,
  };
}

/** The statistics of the window's routes, the `maxRoutes` most requested at most. */
export async function readStatistics(
  routeperf: Routeperf,
  view: ViewParams,
  maxRoutes: number,
): Promise<StatisticsData> {
  const { total, routes } = await routeperf.routesPage({
    ...windowOf(view),
    sort: 'count',
    order: 'desc',
    limit: maxRoutes,
  });
  return { statistics: routeStatistics(routes.map(figuresOf)), total };
}

export interface RecordsPage {
  records: AccessRecord[];
  total: number;
  page: number;
  pages: number;
}

/** One page of the access records that pass the filters; the last page when it asked past the end. */
export async function readRecordsPage(routeperf: Routeperf, params: RecordsParams): Promise<RecordsPage> {
  const query = recordsFilterQuery(params);
  const { read, page, pages } = await readPage(
    (range) => routeperf.accessRecords({ ...query, ...range }),
    params.page,
    params.size,
  );
  return { records: read.records, total: read.total, page, pages };
}

/** Requests by hour and weekday, of one route or of all. */
export function readAccessStatistics(routeperf: Routeperf, params: RouteParams): Promise<AccessStatistics> {
  return routeperf.accessStatistics({
    ...windowOf(params),
    route: params.route,
    method: params.route === undefined ? undefined : params.method,
  });
}

/** A histogram of at most `bars` bars: neighbouring bins summed, each bar as wide in ratio (log scale). */
export function groupBins(bins: readonly LatencyBin[], bars = 40): LatencyBin[] {
  const kept = bins.filter((bin) => bin.count > 0);
  if (kept.length <= bars) return kept.map((bin) => ({ ...bin }));
  const low = Math.log(kept[0]!.from);
  const width = (Math.log(kept.at(-1)!.to) - low) / bars;
  const grouped = new Map<number, LatencyBin>();
  for (const bin of kept) {
    const index = Math.min(bars - 1, Math.floor((Math.log(bin.from) - low) / width));
    const bar = grouped.get(index);
    if (bar) {
      bar.to = bin.to;
      bar.count += bin.count;
    } else grouped.set(index, { ...bin });
  }
  return [...grouped.values()];
}
