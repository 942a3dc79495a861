import type { Kysely } from 'kysely';
import type { StatusClass } from './access-record-reads.js';
import {
  consistentRead,
  mergedTotals,
  type RouteFilter,
  statusRows,
  totalsRows,
  totalsRowsWithPercentileBins,
} from './bucket-reads.js';
import { isPercentileKey, type PercentileKey } from './histogram.js';
import {
  fillPercentiles,
  type LatencySummary,
  rankByPercentile,
  rolledBinRangeColumns,
  rolledBinRangeOf,
} from './latency-percentiles.js';
import { planWindow, type ReadPlan } from './read-plan.js';
import type { ReviewState } from './route-admin.js';
import { ROUTE_SORT_KEYS, type RouteSortKey, sortRoutes } from './route-order.js';

export type { LatencySummary };

import type { Database } from './tables.js';
import { floorToBucket, ms, type TimeInput } from './time-window.js';

export { ROUTE_SORT_KEYS, type RouteSortKey };

export interface RoutesQuery {
  /** Default: the configured environment. */
  environment?: string;
  /** Start of the window (inclusive, rounded down to the minute). Default: no bound. */
  since?: TimeInput;
  /** End of the window (exclusive). Default: now. */
  until?: TimeInput;
  /** Case-insensitive substring of the route template. */
  search?: string;
  /** One route template, exactly (every method of it unless `method` is set). */
  route?: string;
  method?: string;
  /** Only routes that answered at least once with a status of this class in the window. */
  statusClass?: StatusClass;
  /** Bounds (inclusive) of the average request time (ms) and of the average number of queries. */
  minAvgTime?: number;
  maxAvgTime?: number;
  minAvgQueries?: number;
  maxAvgQueries?: number;
  /** Default 'avg'. */
  sort?: RouteSortKey;
  /** Default 'desc' ('asc' for 'route'). */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** One route over a window. Times in ms, memory in bytes. */
export interface RouteSummary {
  environment: string;
  method: string;
  route: string;
  count: number;
  /** Requests per HTTP status code, e.g. { "200": 12, "500": 1 }. */
  statusCodes: Record<string, number>;
  /** Share of requests answered with a 5xx status, 0..1. */
  errorRate: number;
  requestTime: LatencySummary;
  queries: { avg: number; max: number; timeAvg: number; timeMax: number };
  /**
   * N+1 detection, from trackers that record SQL shapes: the most times one shape ran in one request
   * (`maxRepeat`), that shape (`query`, when it ran more than once), and how many requests ran one shape
   * more than `nPlusOneThreshold` times (`requests`).
   */
  nPlusOne: { maxRepeat: number; query: string | null; requests: number };
  memory: { avg: number; max: number };
  firstSeenAt: Date;
  lastAccessedAt: Date;
  /** The route's review from the dashboard, or null. */
  review: ReviewState | null;
}

/** One page of routes, and how many routes pass the query's filters on every page. */
export interface RoutesPage {
  total: number;
  routes: RouteSummary[];
}

const within = (value: number, min = -Infinity, max = Infinity) => value >= min && value <= max;

/** Whether a route (its status codes read) answered with a status of `statusClass`. */
const answeredWith = (route: RouteSummary, statusClass: StatusClass) =>
  Object.entries(route.statusCodes).some(([code, count]) => count > 0 && code[0] === statusClass[0]);

/** An order of routes, and the page of it to return. */
export interface RouteOrder {
  /** Default 'avg'. */
  sort?: RouteSortKey;
  /** Default 'desc' ('asc' for 'route'). */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** The routes of one window and filters, in several orders (the dashboard's top lists), read once. */
export interface RouteListsQuery extends Omit<RoutesQuery, keyof RouteOrder> {
  lists: readonly RouteOrder[];
}

export interface RouteLists {
  /** Routes that pass the query's filters. */
  total: number;
  /** The page of each order of `lists`, in the same order. */
  lists: RouteSummary[][];
}

/** The routes of `environment` over the query's window, filtered, sorted and paged as it asks. */
export async function readRoutes(
  db: Kysely<Database>,
  environment: string,
  query: RoutesQuery,
): Promise<RoutesPage> {
  const { total, lists } = await readRouteLists(db, environment, { ...query, lists: [query] });
  return { total, routes: lists[0]! };
}

/**
 * The routes of `environment` over the query's window, filtered, in each order of `query.lists`: their
 * totals are read and filtered once, whatever the number of lists. What a sort or a filter needs is read
 * for every route first; the rest for the routes of the pages only.
 */
export function readRouteLists(
  db: Kysely<Database>,
  environment: string,
  query: RouteListsQuery,
): Promise<RouteLists> {
  const since = query.since === undefined ? 0 : floorToBucket(ms(query.since));
  const until = query.until === undefined ? Number.MAX_SAFE_INTEGER : ms(query.until);
  const filter: RouteFilter = { environment, route: query.route, method: query.method };
  const orders = query.lists.map((list) => {
    const sort = list.sort ?? 'avg';
    const offset = list.offset ?? 0;
    const end = list.limit === undefined ? undefined : offset + list.limit;
    return { sort, order: list.order ?? (sort === 'route' ? 'asc' : 'desc'), offset, end };
  });
  return consistentRead(db, async (keptFrom) => {
    const plan = planWindow(since, until, keptFrom, Date.now());
    const percentiles = [...new Set(orders.map((o) => o.sort).filter(isPercentileKey))];
    const { summaries, rolledBins } = await filteredSummaries(db, plan, filter, query, percentiles);
    const byStatus = query.statusClass !== undefined || orders.some((o) => o.sort === 'errorRate');
    if (byStatus) await fillStatuses(db, summaries, plan, filter);
    const { statusClass } = query;
    if (statusClass !== undefined) {
      for (const [id, route] of summaries) if (!answeredWith(route, statusClass)) summaries.delete(id);
    }
    const ranked = new Set<number>();
    const lists: RouteSummary[][] = [];
    for (const { sort, order, offset, end } of orders) {
      let candidates = summaries;
      if (isPercentileKey(sort)) {
        const needed = end ?? Infinity;
        const rolled = rolledBins(sort);
        candidates = await rankByPercentile(
          db,
          summaries,
          plan,
          filter,
          { key: sort, order, needed },
          rolled,
        );
        for (const id of candidates.keys()) ranked.add(id);
      }
      lists.push(sortRoutes([...candidates.values()], sort, order).slice(offset, end));
    }
    const listed = new Set(lists.flat());
    const onPages = new Map([...summaries].filter(([, summary]) => listed.has(summary)));
    const pagesFilter = { ...filter, ids: [...onPages.keys()] };
    if (!byStatus) await fillStatuses(db, onPages, plan, pagesFilter);
    const unranked = new Map([...onPages].filter(([id]) => !ranked.has(id)));
    await fillPercentiles(db, unranked, plan, { ...filter, ids: [...unranked.keys()] });
    await fillRepeatedQueries(db, onPages, plan, pagesFilter);
    return { total: summaries.size, lists };
  });
}

/**
 * The summaries (by route id) of the routes with requests in the plan that pass the query's filters, and
 * for each of `percentiles` the routes' ranges of bins over their rolled-up buckets (see
 * rolledBinRangeColumns), read with their totals.
 */
async function filteredSummaries(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  query: RouteListsQuery,
  percentiles: readonly PercentileKey[],
) {
  const search = query.search?.toLowerCase();
  const rows = (await routeTotals(db, plan, filter, percentiles)).filter(
    (row) => !search || row.route.toLowerCase().includes(search),
  );
  const summaries = new Map(
    rows
      .map((row) => [Number(row.id), summaryOf(filter.environment, row)] as const)
      .filter(
        ([, route]) =>
          within(route.requestTime.avg, query.minAvgTime, query.maxAvgTime) &&
          within(route.queries.avg, query.minAvgQueries, query.maxAvgQueries),
      ),
  );
  const rolledBins = (key: PercentileKey) =>
    new Map(rows.map((row) => [Number(row.id), rolledBinRangeOf(row, key)] as const));
  return { summaries, rolledBins };
}

/**
 * Each route's sums and extremes over the plan's buckets, and the ranges of bins of `percentiles`. The
 * buckets are merged per route id first and joined to their routes after: grouping the narrow bucket
 * rows, not rows widened by the route's columns.
 */
function routeTotals(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  percentiles: readonly PercentileKey[],
) {
  const merged = db
    .selectFrom(totalsRowsWithPercentileBins(db, plan, filter, percentiles).as('parts'))
    .select((eb) => ['parts.route_id', ...mergedTotals(eb), ...rolledBinRangeColumns(percentiles)])
    .groupBy('parts.route_id');
  return db
    .selectFrom(merged.as('totals'))
    .innerJoin('routes', 'routes.id', 'totals.route_id')
    .selectAll('totals')
    .select([
      'routes.id',
      'routes.method',
      'routes.route',
      'routes.first_seen_at',
      'routes.last_accessed_at',
      ...REVIEW_COLUMNS,
    ])
    .execute();
}

type RouteTotals = Awaited<ReturnType<typeof routeTotals>>[number];

/** Fills the requests per status code and the error rate of each summary (by route id). */
async function fillStatuses(
  db: Kysely<Database>,
  summaries: ReadonlyMap<number, RouteSummary>,
  plan: ReadPlan,
  filter: RouteFilter,
) {
  if (summaries.size === 0) return;
  const rows = await db
    .selectFrom(statusRows(db, plan, filter).as('parts'))
    .select((eb) => ['parts.route_id', 'parts.status_code', eb.fn.sum<number>('parts.count').as('count')])
    .groupBy(['parts.route_id', 'parts.status_code'])
    .execute();
  for (const row of rows) {
    const summary = summaries.get(Number(row.route_id));
    if (summary) summary.statusCodes[String(row.status_code)] = Number(row.count);
  }
  for (const summary of summaries.values()) {
    const errors = Object.entries(summary.statusCodes).reduce(
      (sum, [code, n]) => sum + (Number(code) >= 500 ? n : 0),
      0,
    );
    summary.errorRate = summary.count ? errors / summary.count : 0;
  }
}

/**
 * The most repeated SQL shape of each route (by id) over the plan's buckets: each bucket keeps its own,
 * and the window's is the one that ran the most times in one request.
 */
async function fillRepeatedQueries(
  db: Kysely<Database>,
  summaries: ReadonlyMap<number, RouteSummary>,
  plan: ReadPlan,
  filter: RouteFilter,
) {
  if (summaries.size === 0) return;
  const rows = await db
    .selectFrom(totalsRows(db, plan, filter).as('parts'))
    .select((eb) => [
      'parts.route_id',
      'parts.repeated_query',
      eb.fn.max<number>('parts.query_repeat_max').as('repeat'),
    ])
    .where('parts.repeated_query', 'is not', null)
    .groupBy(['parts.route_id', 'parts.repeated_query'])
    .execute();
  const best = new Map<number, { query: string; repeat: number }>();
  for (const row of rows) {
    const id = Number(row.route_id);
    const repeat = Number(row.repeat);
    const current = best.get(id);
    if (!current || repeat > current.repeat) best.set(id, { query: row.repeated_query!, repeat });
  }
  for (const [id, { query }] of best) {
    const summary = summaries.get(id);
    if (summary) summary.nPlusOne.query = query;
  }
}

/** A route's summary from its totals; its status codes, percentiles and repeated query are filled later. */
function summaryOf(environment: string, row: RouteTotals): RouteSummary {
  const count = Number(row.count);
  return {
    environment,
    method: row.method,
    route: row.route,
    count,
    statusCodes: {},
    errorRate: 0,
    requestTime: {
      avg: Number(row.time_sum) / count,
      min: Number(row.time_min),
      max: Number(row.time_max),
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
    },
    queries: {
      avg: Number(row.query_count_sum) / count,
      max: Number(row.query_count_max),
      timeAvg: Number(row.query_time_sum) / count,
      timeMax: Number(row.query_time_max),
    },
    nPlusOne: {
      maxRepeat: Number(row.query_repeat_max),
      query: null,
      requests: Number(row.n_plus_one_count),
    },
    memory: { avg: Number(row.memory_sum) / count, max: Number(row.memory_max) },
    firstSeenAt: new Date(Number(row.first_seen_at)),
    lastAccessedAt: new Date(Number(row.last_accessed_at)),
    review: reviewOf(row),
  };
}

const REVIEW_COLUMNS = [
  'routes.reviewed_at',
  'routes.reviewed_by',
  'routes.queries_improved',
  'routes.time_improved',
] as const;

function reviewOf(row: RouteTotals): ReviewState | null {
  if (row.reviewed_at === null) return null;
  const flag = (value: number | null) => (value === null ? null : Number(value) === 1);
  return {
    reviewedAt: new Date(Number(row.reviewed_at)),
    reviewer: row.reviewed_by,
    queriesImproved: flag(row.queries_improved),
    timeImproved: flag(row.time_improved),
  };
}
