import type { RequestMetrics } from '../record/metrics.js';
import { binOf } from './histogram.js';
import { BUCKET_MS, type BucketTotals } from './tables.js';

/** A route's identity as one string: environment, method and template joined by NUL. */
export function routeKey(environment: string, method: string, route: string): string {
  return `${environment}\u0000${method}\u0000${route}`;
}

export interface RouteRow {
  key: string;
  environment: string;
  method: string;
  route: string;
  firstSeenAt: number;
  lastAccessedAt: number;
}

export interface AggregateRow {
  key: string;
  bucket: number;
  count: number;
  timeSum: number;
  timeMin: number;
  timeMax: number;
  queryCountSum: number;
  queryCountMax: number;
  queryTimeSum: number;
  queryTimeMax: number;
  queryRepeatMax: number;
  repeatedQuery: string | null;
  nPlusOneCount: number;
  memorySum: number;
  memoryMax: number;
}

export interface CounterRow {
  key: string;
  bucket: number;
  /** Status code for status counts, bin index for the histogram. */
  slot: number;
  count: number;
}

/** A batch folded into the rows it adds to each counting table: one upsert row per route, bucket and slot. */
export interface BatchPlan {
  aggregates: AggregateRow[];
  statuses: CounterRow[];
  bins: CounterRow[];
}

/**
 * Pre-aggregates a batch in memory, so that a thousand requests to one route in one minute become one
 * aggregate row, not a thousand updates of it. Rows come out sorted by route key, minute and slot, so
 * concurrent writers lock rows in the same order and do not deadlock each other. A request that ran one
 * SQL shape more than `nPlusOneThreshold` times counts as an N+1 of its route.
 */
export function planBatch(batch: readonly RequestMetrics[], nPlusOneThreshold: number): BatchPlan {
  const routes = new RouteTree<RoutePlan>(emptyRoutePlan);
  for (const m of batch) addRequest(routes.of(m), m, nPlusOneThreshold);
  return planOf(routes.sorted());
}

/** What of a request its route's rows count: an access record holds all of it. */
export type CountedRequest = Pick<
  RequestMetrics,
  | 'ts'
  | 'statusCode'
  | 'requestTime'
  | 'queryCount'
  | 'queryTime'
  | 'queryRepeat'
  | 'repeatedQuery'
  | 'memory'
>;

/**
 * The rows of requests whose route is known by its id (access records, when buckets are rebuilt from
 * them): counted as planBatch counts, keyed by the route id as a string, in the order routes come.
 */
export function planByRouteId(
  requests: Iterable<CountedRequest & { routeId: number }>,
  nPlusOneThreshold: number,
): BatchPlan {
  const routes = new Map<number, RoutePlan>();
  for (const request of requests) {
    let route = routes.get(request.routeId);
    if (!route) {
      route = emptyRoutePlan(String(request.routeId));
      routes.set(request.routeId, route);
    }
    addRequest(route, request, nPlusOneThreshold);
  }
  return planOf(routes.values());
}

/** An aggregate row's totals as the columns of a bucket (see BucketTotals). */
export function totalsOfRow(row: AggregateRow): BucketTotals {
  return {
    count: row.count,
    time_sum: row.timeSum,
    time_min: row.timeMin,
    time_max: row.timeMax,
    query_count_sum: row.queryCountSum,
    query_count_max: row.queryCountMax,
    query_time_sum: row.queryTimeSum,
    query_time_max: row.queryTimeMax,
    query_repeat_max: row.queryRepeatMax,
    repeated_query: row.repeatedQuery,
    n_plus_one_count: row.nPlusOneCount,
    memory_sum: row.memorySum,
    memory_max: row.memoryMax,
  };
}

const emptyRoutePlan = (key: string): RoutePlan => ({
  key,
  aggregates: new Map(),
  statuses: new Map(),
  bins: new Map(),
});

function addRequest(route: RoutePlan, m: CountedRequest, nPlusOneThreshold: number) {
  const bucket = m.ts - (m.ts % BUCKET_MS);
  addToAggregate(route, bucket, m, nPlusOneThreshold);
  count(route.statuses, route.key, bucket, m.statusCode);
  if (m.requestTime > 0) count(route.bins, route.key, bucket, binOf(m.requestTime));
}

/** The routes' rows, each route's by minute and slot. */
function planOf(routes: Iterable<RoutePlan>): BatchPlan {
  const plan: BatchPlan = { aggregates: [], statuses: [], bins: [] };
  for (const route of routes) {
    for (const bucket of [...route.aggregates.keys()].sort(byNumber))
      plan.aggregates.push(route.aggregates.get(bucket)!);
    pushSorted(plan.statuses, route.statuses);
    pushSorted(plan.bins, route.bins);
  }
  return plan;
}

/** The batch's routes with the first and last times it saw them, sorted by key like planBatch's rows. */
export function planRoutes(batch: readonly RequestMetrics[]): RouteRow[] {
  const routes = new RouteTree<RouteRow>((key, m) => ({
    key,
    environment: m.environment,
    method: m.method,
    route: m.route,
    firstSeenAt: m.ts,
    lastAccessedAt: m.ts,
  }));
  for (const m of batch) {
    const route = routes.of(m);
    route.firstSeenAt = Math.min(route.firstSeenAt, m.ts);
    route.lastAccessedAt = Math.max(route.lastAccessedAt, m.ts);
  }
  return routes.sorted();
}

/** A route's rows of the batch, by minute (and slot). */
interface RoutePlan {
  key: string;
  aggregates: Map<number, AggregateRow>;
  statuses: Map<number, Map<number, CounterRow>>;
  bins: Map<number, Map<number, CounterRow>>;
}

/**
 * One value per route of a batch, found by environment, method and template in nested maps: a route key
 * string is built once per route, not once per message, as such strings would be most of the worker's
 * garbage.
 */
class RouteTree<T extends { key: string }> {
  readonly #environments = new Map<string, Map<string, Map<string, T>>>();
  readonly #all: T[] = [];

  constructor(private readonly create: (key: string, first: RequestMetrics) => T) {}

  of(m: RequestMetrics): T {
    const templates = within(within(this.#environments, m.environment, Map), m.method, Map);
    let value = templates.get(m.route);
    if (!value) {
      value = this.create(routeKey(m.environment, m.method, m.route), m);
      templates.set(m.route, value);
      this.#all.push(value);
    }
    return value;
  }

  sorted(): T[] {
    return this.#all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function addToAggregate(route: RoutePlan, bucket: number, m: CountedRequest, nPlusOneThreshold: number) {
  const repeat = m.queryRepeat ?? 0;
  const nPlusOne = repeat > nPlusOneThreshold ? 1 : 0;
  const row = route.aggregates.get(bucket);
  if (!row) {
    route.aggregates.set(bucket, {
      key: route.key,
      bucket,
      count: 1,
      timeSum: m.requestTime,
      timeMin: m.requestTime,
      timeMax: m.requestTime,
      queryCountSum: m.queryCount,
      queryCountMax: m.queryCount,
      queryTimeSum: m.queryTime,
      queryTimeMax: m.queryTime,
      queryRepeatMax: repeat,
      repeatedQuery: m.repeatedQuery ?? null,
      nPlusOneCount: nPlusOne,
      memorySum: m.memory,
      memoryMax: m.memory,
    });
    return;
  }
  row.count += 1;
  row.timeSum += m.requestTime;
  row.timeMin = Math.min(row.timeMin, m.requestTime);
  row.timeMax = Math.max(row.timeMax, m.requestTime);
  row.queryCountSum += m.queryCount;
  row.queryCountMax = Math.max(row.queryCountMax, m.queryCount);
  row.queryTimeSum += m.queryTime;
  row.queryTimeMax = Math.max(row.queryTimeMax, m.queryTime);
  if (repeat > row.queryRepeatMax) {
    row.queryRepeatMax = repeat;
    row.repeatedQuery = m.repeatedQuery ?? null;
  }
  row.nPlusOneCount += nPlusOne;
  row.memorySum += m.memory;
  row.memoryMax = Math.max(row.memoryMax, m.memory);
}

function count(rows: Map<number, Map<number, CounterRow>>, key: string, bucket: number, slot: number) {
  const slots = within(rows, bucket, Map);
  const row = slots.get(slot);
  if (row) row.count += 1;
  else slots.set(slot, { key, bucket, slot, count: 1 });
}

/** Appends a route's counter rows, by minute then slot. */
function pushSorted(into: CounterRow[], rows: Map<number, Map<number, CounterRow>>) {
  for (const bucket of [...rows.keys()].sort(byNumber)) {
    const slots = rows.get(bucket)!;
    for (const slot of [...slots.keys()].sort(byNumber)) into.push(slots.get(slot)!);
  }
}

const byNumber = (a: number, b: number) => a - b;

/** The map at `key` in `map`, created empty if missing. */
export function within<K, V>(map: Map<K, V>, key: K, empty: new () => NoInfer<V>): V {
  let value = map.get(key);
  if (value === undefined) {
    value = new empty();
    map.set(key, value);
  }
  return value;
}
