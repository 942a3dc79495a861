/** What the orders of routes compare: the fields of a route summary they sort by. */
export interface OrderedRoute {
  method: string;
  route: string;
  count: number;
  errorRate: number;
  requestTime: { avg: number; max: number; p50: number; p90: number; p95: number; p99: number };
  queries: { avg: number; timeAvg: number };
  nPlusOne: { requests: number };
  memory: { avg: number };
  lastAccessedAt: Date;
}

/** The orders the routes read offers. */
export const ROUTE_SORT_KEYS = [
  'avg',
  'max',
  'p50',
  'p90',
  'p95',
  'p99',
  'count',
  'errorRate',
  'queries',
  'queryTime',
  'nPlusOne',
  'memory',
  'route',
  'lastAccessed',
] as const;
export type RouteSortKey = (typeof ROUTE_SORT_KEYS)[number];

const SORT_VALUE: Record<RouteSortKey, (route: OrderedRoute) => number | string> = {
  avg: (r) => r.requestTime.avg,
  max: (r) => r.requestTime.max,
  p50: (r) => r.requestTime.p50,
  p90: (r) => r.requestTime.p90,
  p95: (r) => r.requestTime.p95,
  p99: (r) => r.requestTime.p99,
  count: (r) => r.count,
  errorRate: (r) => r.errorRate,
  queries: (r) => r.queries.avg,
  queryTime: (r) => r.queries.timeAvg,
  nPlusOne: (r) => r.nPlusOne.requests,
  memory: (r) => r.memory.avg,
  route: (r) => `${r.route} ${r.method}`,
  lastAccessed: (r) => r.lastAccessedAt.getTime(),
};

const compare = (x: number | string, y: number | string) => (x < y ? -1 : x > y ? 1 : 0);

/** Ties go by route, then method: a total order, so pages of one listing neither repeat nor skip a route. */
export function sortRoutes<R extends OrderedRoute>(routes: R[], sort: RouteSortKey, order: 'asc' | 'desc') {
  const value = SORT_VALUE[sort];
  const direction = order === 'asc' ? 1 : -1;
  return routes.sort(
    (a, b) =>
      compare(value(a), value(b)) * direction || compare(a.route, b.route) || compare(a.method, b.method),
  );
}
