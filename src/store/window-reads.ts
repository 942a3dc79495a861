import { type Kysely, sql } from 'kysely';
import {
  consistentRead,
  latencyBins,
  mergedTotals,
  type RouteFilter,
  routeActivityRows,
  statusRows,
  totalsRows,
  withTotals,
} from './bucket-reads.js';
import { binEdges, quantiles } from './histogram.js';
import type { LatencySummary } from './latency-percentiles.js';
import { planSeries, planWindow } from './read-plan.js';
import { type Database, HOUR_MS } from './tables.js';
import { floorToBucket, ms, type TimeInput } from './time-window.js';

/** A window of one route (one method, or all), or of every route of an environment. */
export interface WindowQuery {
  environment?: string;
  /** Route template; with `method`, one route; without, every method of it. Default: all routes. */
  route?: string;
  method?: string;
  /** Start of the window (inclusive, rounded down to the minute). Default: no bound. */
  since?: TimeInput;
  /** End of the window (exclusive). Default: now. */
  until?: TimeInput;
}

/** Every request of a window together (of one route, or of all routes). Times in ms, memory in bytes. */
export interface WindowSummary {
  /** Routes that had requests. */
  routes: number;
  count: number;
  /** Share of requests answered with a 5xx status, 0..1. */
  errorRate: number;
  requestTime: LatencySummary;
  queries: { avg: number; max: number; timeAvg: number; timeMax: number };
  /** Routes with a request that ran one SQL shape more than `nPlusOneThreshold` times, and such requests. */
  nPlusOne: { routes: number; requests: number };
  memory: { avg: number; max: number };
}

/** One bin of a latency histogram: how many requests took from `from` to `to` ms. */
export interface LatencyBin {
  from: number;
  to: number;
  count: number;
}

/** Requests per hour of the day and per weekday (UTC), and per weekday and hour. */
export interface AccessStatistics {
  /** 24 counts, from 00:00 to 23:00. */
  byHour: number[];
  /** 7 counts, Sunday first. */
  byWeekday: number[];
  /** 7 rows (Sunday first) of 24 counts. */
  heatmap: number[][];
}

const windowOf = (query: WindowQuery) => ({
  since: query.since === undefined ? 0 : floorToBucket(ms(query.since)),
  until: query.until === undefined ? Number.MAX_SAFE_INTEGER : ms(query.until),
});

const filterOf = (environment: string, query: WindowQuery): RouteFilter => ({
  environment,
  route: query.route,
  method: query.method,
});

/** The window's requests summed over every route the query covers, percentiles of all of them included. */
export function readWindowSummary(
  db: Kysely<Database>,
  environment: string,
  query: WindowQuery,
): Promise<WindowSummary> {
  const { since, until } = windowOf(query);
  const filter = filterOf(environment, query);
  return consistentRead(db, async (keptFrom) => {
    const plan = planWindow(since, until, keptFrom, Date.now());
    // Which routes had requests, and N+1 requests, only the routes' own buckets say.
    const routes = await db
      .selectFrom(routeActivityRows(db, plan, filter).as('parts'))
      .select((eb) => [
        eb.fn.count<number>('parts.route_id').distinct().as('routes'),
        sql<number>`count(distinct case when ${eb.ref('parts.n_plus_one_count')} > 0 then ${eb.ref('parts.route_id')} end)`.as(
          'n_plus_one',
        ),
      ])
      .executeTakeFirstOrThrow();
    const combined = await withTotals(db, filter, plan.since);
    const totals = await db
      .selectFrom(totalsRows(db, plan, combined).as('parts'))
      .select((eb) => mergedTotals(eb))
      .executeTakeFirstOrThrow();
    const errors = await db
      .selectFrom(statusRows(db, plan, combined).as('parts'))
      .select((eb) => eb.fn.sum<number>('parts.count').as('count'))
      .where('parts.status_code', '>=', 500)
      .executeTakeFirstOrThrow();
    const count = Number(totals.count ?? 0);
    const per = (sum: unknown) => (count ? Number(sum) / count : 0);
    const bounds = { min: Number(totals.time_min ?? 0), max: Number(totals.time_max ?? 0) };
    const bins = (await latencyBins(db, plan, combined, () => 0)).get(0) ?? [];
    const [p50, p90, p95, p99] = quantiles(bins, [0.5, 0.9, 0.95, 0.99] as const, bounds);
    return {
      routes: Number(routes.routes),
      count,
      errorRate: per(errors.count ?? 0),
      requestTime: { avg: per(totals.time_sum), ...bounds, p50, p90, p95, p99 },
      queries: {
        avg: per(totals.query_count_sum),
        max: Number(totals.query_count_max ?? 0),
        timeAvg: per(totals.query_time_sum),
        timeMax: Number(totals.query_time_max ?? 0),
      },
      nPlusOne: { routes: Number(routes.n_plus_one), requests: Number(totals.n_plus_one_count ?? 0) },
      memory: { avg: per(totals.memory_sum), max: Number(totals.memory_max ?? 0) },
    };
  });
}

/**
 * The latency histogram of the window: the bins the percentiles are read from (each about 2 % wide),
 * fastest first, with the requests in each.
 */
export function readLatencyHistogram(
  db: Kysely<Database>,
  environment: string,
  query: WindowQuery,
): Promise<LatencyBin[]> {
  const { since, until } = windowOf(query);
  return consistentRead(db, async (keptFrom) => {
    const plan = planWindow(since, until, keptFrom, Date.now());
    const filter = await withTotals(db, filterOf(environment, query), plan.since);
    const bins = (await latencyBins(db, plan, filter, () => 0)).get(0) ?? [];
    return bins.map(({ bin, count }) => ({ ...binEdges(bin), count }));
  });
}

/**
 * When requests come: per hour of the day, per weekday, and both, in UTC, from hour buckets (and the
 * minutes not rolled up yet), so it needs no access records. Times whose hours were deleted by retention
 * are left out: a day bucket cannot say at what hour its requests came.
 */
export function readAccessStatistics(
  db: Kysely<Database>,
  environment: string,
  query: WindowQuery,
): Promise<AccessStatistics> {
  const { since, until } = windowOf(query);
  return consistentRead(db, async (keptFrom) => {
    const plan = planSeries(Math.max(since, keptFrom[HOUR_MS]), until, HOUR_MS, keptFrom, Date.now());
    const rows = await db
      .selectFrom(
        totalsRows(db, plan, await withTotals(db, filterOf(environment, query), plan.since)).as('parts'),
      )
      .select((eb) => ['parts.bucket', eb.fn.sum<number>('parts.count').as('count')])
      .groupBy('parts.bucket')
      .execute();
    const heatmap = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    for (const row of rows) {
      const at = new Date(Number(row.bucket));
      heatmap[at.getUTCDay()]![at.getUTCHours()]! += Number(row.count);
    }
    return {
      byHour: Array.from({ length: 24 }, (_, hour) => heatmap.reduce((sum, day) => sum + day[hour]!, 0)),
      byWeekday: heatmap.map((day) => day.reduce((sum, count) => sum + count, 0)),
      heatmap,
    };
  });
}
