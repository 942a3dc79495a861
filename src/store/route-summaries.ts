import type { Kysely } from 'kysely';
import type { StatusClass } from './access-record-reads.js';
import { consistentRead, mergedTotals, type RouteFilter, statusRows, totalsRows } from './bucket-reads.js';
import { fillPercentiles, type LatencySummary } from './latency-percentiles.js';
import { planWindow, type ReadPlan } from './read-plan.js';
import type { ReviewState } from './route-admin.js';

export type { LatencySummary };

import type { Database } from './tables.js';
import { floorToBucket, ms, type TimeInput } from './time-window.js';

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

/** The routes of `environment` over the query's window, filtered, sorted and paged as it asks. */
export function readRoutes(
  db: Kysely<Database>,
  environment: string,
  query: RoutesQuery,
): Promise<RoutesPage> {
  const since = query.since === undefined ? 0 : floorToBucket(ms(query.since));
  const until = query.until === undefined ? Number.MAX_SAFE_INTEGER : ms(query.until);
  const filter: RouteFilter = { environment, route: query.route, method: query.method };
  return consistentRead(db, async (keptFrom) => {
    const plan = planWindow(since, until, keptFrom, Date.now());
    const search = query.search?.toLowerCase();
    const rows = (await routeTotals(db, plan, filter)).filter(
      (row) => !search || row.route.toLowerCase().includes(search),
    );
    const summaries = new Map(
      rows
        .map((row) => [Number(row.id), summaryOf(environment, row)] as const)
        .filter(
          ([, route]) =>
            within(route.requestTime.avg, query.minAvgTime, query.maxAvgTime) &&
            within(route.queries.avg, query.minAvgQueries, query.maxAvgQueries),
        ),
    );
    // What the sort or a filter needs is read for every route first; the rest for the page's routes only.
    const sort = query.sort ?? 'avg';
    const details = [
      { fill: fillStatuses, forSort: sort === 'errorRate' || query.statusClass !== undefined },
      { fill: fillPercentiles, forSort: /^p\d\d$/.test(sort) },
      { fill: fillRepeatedQueries, forSort: false },
    ];
    for (const { fill } of details.filter((detail) => detail.forSort)) {
      await fill(db, summaries, plan, filter);
    }
    const { statusClass } = query;
    if (statusClass !== undefined) {
      for (const [id, route] of summaries) if (!answeredWith(route, statusClass)) summaries.delete(id);
    }
    const offset = query.offset ?? 0;
    const page = sortRoutes([...summaries.values()], sort, query.order).slice(
      offset,
      query.limit === undefined ? undefined : offset + query.limit,
    );
    const onPage = new Map([...summaries].filter(([, summary]) => page.includes(summary)));
    for (const { fill } of details.filter((detail) => !detail.forSort)) {
      await fill(db, onPage, plan, { ...filter, ids: [...onPage.keys()] });
    }
    return { total: summaries.size, routes: page };
  });
}

/** Each route's sums and extremes over the plan's buckets. */
function routeTotals(db: Kysely<Database>, plan: ReadPlan, filter: RouteFilter) {
  return db
    .selectFrom(totalsRows(db, plan, filter).as('parts'))
    .innerJoin('routes', 'routes.id', 'parts.route_id')
    .select((eb) => [
      'routes.id',
      'routes.method',
      'routes.route',
      'routes.first_seen_at',
      'routes.last_accessed_at',
      ...REVIEW_COLUMNS,
      ...mergedTotals(eb),
    ])
    .groupBy([
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

const SORT_VALUE: Record<RouteSortKey, (route: RouteSummary) => number | string> = {
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
function sortRoutes(routes: RouteSummary[], sort: RouteSortKey, order?: 'asc' | 'desc') {
  const value = SORT_VALUE[sort];
  const direction = (order ?? (sort === 'route' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  return routes.sort(
    (a, b) =>
      compare(value(a), value(b)) * direction || compare(a.route, b.route) || compare(a.method, b.method),
  );
}
