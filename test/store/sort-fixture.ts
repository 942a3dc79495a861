import type { RequestMetrics } from '../../src/record/metrics.js';
import { ROUTE_SORT_KEYS, type RouteSortKey } from '../../src/store/reads.js';
import { MINUTE, metrics, nearestRank, T0 } from './samples.js';

/**
 * Five routes whose values rank them in a different order for every sort key. Each route repeats a block
 * of 100 requests `repeat` times (repeating keeps every percentile of the block), and the block's times
 * are `p50` at ranks 1–50, `p90` at 51–90, `p95` at 91–95, `p99` at 96–99 and `max` at rank 100.
 */
const ROUTES = [
  {
    route: '/delta',
    repeat: 2,
    times: [1, 30, 400, 2000, 50000],
    errors: 40,
    queries: 3,
    queryTime: 7.5,
    memory: 300,
    nPlusOnes: 9,
    lastMinute: 2,
  },
  {
    route: '/bravo',
    repeat: 5,
    times: [2, 10, 500, 4000, 30000],
    errors: 20,
    queries: 1,
    queryTime: 3,
    memory: 100,
    nPlusOnes: 2,
    lastMinute: 4,
  },
  {
    route: '/echo',
    repeat: 1,
    times: [3, 50, 100, 3000, 20000],
    errors: 10,
    queries: 4,
    queryTime: 1.5,
    memory: 400,
    nPlusOnes: 30,
    lastMinute: 0,
  },
  {
    route: '/alpha',
    repeat: 4,
    times: [4, 20, 300, 5000, 10000],
    errors: 50,
    queries: 5,
    queryTime: 6,
    memory: 200,
    nPlusOnes: 1,
    lastMinute: 3,
  },
  {
    route: '/charlie',
    repeat: 3,
    times: [5, 40, 200, 1000, 40000],
    errors: 30,
    queries: 2,
    queryTime: 4.5,
    memory: 500,
    nPlusOnes: 8,
    lastMinute: 1,
  },
];

const RANK_ENDS = [50, 90, 95, 99, 100];

export function sortFixtureRequests(): RequestMetrics[] {
  return ROUTES.flatMap((spec) =>
    Array.from({ length: spec.repeat * 100 }, (_, n) => {
      const i = n % 100;
      return metrics({
        route: spec.route,
        ts: T0 + (i % (spec.lastMinute + 1)) * MINUTE + (i % 7) * 1000,
        requestTime: spec.times[RANK_ENDS.findIndex((end) => i < end)]!,
        statusCode: i < spec.errors ? 500 : 200,
        queryCount: spec.queries,
        queryTime: spec.queryTime,
        memory: spec.memory,
        // The block's first `nPlusOnes` requests run one shape 10 times, more than the default threshold.
        ...(i < spec.nPlusOnes ? { queryRepeat: 10, repeatedQuery: 'select * from t where id = ?' } : {}),
      });
    }),
  );
}

/** Each route's value for each sort key, computed exactly from the requests themselves. */
function expectedValues(requests: RequestMetrics[]): Map<string, Record<RouteSortKey, number | string>> {
  const byRoute = new Map<string, RequestMetrics[]>();
  for (const m of requests) {
    const list = byRoute.get(m.route) ?? [];
    list.push(m);
    byRoute.set(m.route, list);
  }
  const average = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  return new Map(
    [...byRoute].map(([route, list]) => {
      const times = list.map((m) => m.requestTime).sort((a, b) => a - b);
      const values: Record<RouteSortKey, number | string> = {
        avg: average(times),
        max: times.at(-1)!,
        p50: nearestRank(times, 50),
        p90: nearestRank(times, 90),
        p95: nearestRank(times, 95),
        p99: nearestRank(times, 99),
        count: list.length,
        errorRate: list.filter((m) => m.statusCode >= 500).length / list.length,
        queries: average(list.map((m) => m.queryCount)),
        queryTime: average(list.map((m) => m.queryTime)),
        nPlusOne: list.filter((m) => (m.queryRepeat ?? 0) > 5).length,
        memory: average(list.map((m) => m.memory)),
        route,
        lastAccessed: Math.max(...list.map((m) => m.ts)),
      };
      return [route, values];
    }),
  );
}

/** The route names in the order `sort` and `order` must give. */
export function expectedOrders(requests: RequestMetrics[]): Record<RouteSortKey, string[]> {
  const values = expectedValues(requests);
  return Object.fromEntries(
    ROUTE_SORT_KEYS.map((key) => {
      const ascending = [...values.keys()].sort((a, b) => {
        const x = values.get(a)![key];
        const y = values.get(b)![key];
        return x < y ? -1 : x > y ? 1 : 0;
      });
      return [key, ascending];
    }),
  ) as Record<RouteSortKey, string[]>;
}
