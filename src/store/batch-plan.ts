import type { RequestMetrics } from '../core/metrics.js';
import { binOf } from './histogram.js';
import { BUCKET_MS } from './tables.js';

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
 * aggregate row, not a thousand updates of it. Rows come out sorted by key, so concurrent writers lock
 * rows in the same order and do not deadlock each other.
 */
export function planBatch(batch: readonly RequestMetrics[]): BatchPlan {
  const aggregates = new Map<string, AggregateRow>();
  const statuses = new Map<string, CounterRow>();
  const bins = new Map<string, CounterRow>();
  for (const m of batch) {
    const key = routeKey(m.environment, m.method, m.route);
    const bucket = m.ts - (m.ts % BUCKET_MS);
    addToAggregate(aggregates, key, bucket, m);
    count(statuses, key, bucket, m.statusCode);
    if (m.requestTime > 0) count(bins, key, bucket, binOf(m.requestTime));
  }
  return { aggregates: sortedValues(aggregates), statuses: sortedValues(statuses), bins: sortedValues(bins) };
}

/** The batch's routes with the first and last times it saw them, sorted by key like planBatch's rows. */
export function planRoutes(batch: readonly RequestMetrics[]): RouteRow[] {
  const routes = new Map<string, RouteRow>();
  for (const m of batch) {
    const key = routeKey(m.environment, m.method, m.route);
    const route = routes.get(key);
    if (route) {
      route.firstSeenAt = Math.min(route.firstSeenAt, m.ts);
      route.lastAccessedAt = Math.max(route.lastAccessedAt, m.ts);
    } else {
      routes.set(key, {
        key,
        environment: m.environment,
        method: m.method,
        route: m.route,
        firstSeenAt: m.ts,
        lastAccessedAt: m.ts,
      });
    }
  }
  return sortedValues(routes);
}

function addToAggregate(rows: Map<string, AggregateRow>, key: string, bucket: number, m: RequestMetrics) {
  const id = `${key}\u0000${bucket}`;
  const row = rows.get(id);
  if (!row) {
    rows.set(id, {
      key,
      bucket,
      count: 1,
      timeSum: m.requestTime,
      timeMin: m.requestTime,
      timeMax: m.requestTime,
      queryCountSum: m.queryCount,
      queryCountMax: m.queryCount,
      queryTimeSum: m.queryTime,
      queryTimeMax: m.queryTime,
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
  row.memorySum += m.memory;
  row.memoryMax = Math.max(row.memoryMax, m.memory);
}

function count(rows: Map<string, CounterRow>, key: string, bucket: number, slot: number) {
  const id = `${key}\u0000${bucket}\u0000${slot}`;
  const row = rows.get(id);
  if (row) row.count += 1;
  else rows.set(id, { key, bucket, slot, count: 1 });
}

function sortedValues<T>(rows: Map<string, T>): T[] {
  return [...rows.keys()].sort().map((id) => rows.get(id)!);
}
