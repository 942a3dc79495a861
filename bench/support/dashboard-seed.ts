/**
 * The store a busy app leaves after 30 days, for `bench:dashboard`: `routes` routes whose traffic follows
 * Zipf's law (the first route gets most requests, the last few a handful a day), over a day with a peak in
 * the afternoon and a trough at night, and quieter weekends; per route a log-normal request time, an
 * error rate, query counts and memory. Every request is drawn; what is written is what the rollup leaves:
 * hour, quarter-day, day and week buckets for the 30 days, minute buckets for the last 48 hours, nothing waiting in
 * `aggregates`, the environment's totals row (every bucket summed over all routes) valid from the start,
 * plus `accessRecords` access records sampled from the requests.
 */
import type { Kysely } from 'kysely';
import { addTotals } from '../../src/store/bucket-totals.js';
import { TOTALS_METHOD, TOTALS_ROUTE } from '../../src/store/environment-totals.js';
import { binOf } from '../../src/store/histogram.js';
import { encodeBins } from '../../src/store/histogram-blob.js';
import { percentileBinsOf } from '../../src/store/percentile-bins.js';
import {
  BUCKET_MS,
  type BucketTotals,
  DAY_MS,
  type Database,
  HOUR_MS,
  QUARTER_DAY_MS,
  RESOLUTIONS,
  type Resolution,
  WEEK_MS,
} from '../../src/store/tables.js';
import { seededRandom as random } from '../../test/support/random.js';

const RESOLUTION_NAMES: Record<Resolution, string> = {
  [BUCKET_MS]: 'minutes',
  [HOUR_MS]: 'hours',
  [QUARTER_DAY_MS]: 'quarter days',
  [DAY_MS]: 'days',
  [WEEK_MS]: 'weeks',
};

export interface SeedOptions {
  routes: number;
  requests: number;
  days: number;
  accessRecords: number;
  /** The end of the traffic (ms); the bench reads windows ending here. */
  now: number;
  environment: string;
}

export interface SeedCounts {
  requests: number;
  rows: Record<string, number>;
}

interface RouteProfile {
  id: number;
  method: string;
  route: string;
  share: number;
  medianMs: number;
  sigma: number;
  errorRate: number;
  queries: number;
}

interface Bucket {
  totals: BucketTotals;
  statuses: Map<number, number>;
  bins: Map<number, number>;
}

function profiles(count: number, next: () => number): RouteProfile[] {
  const weights = Array.from({ length: count }, (_, k) => 1 / (k + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const methods = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
  return weights.map((weight, k) => ({
    id: k + 1,
    method: methods[k % methods.length]!,
    route: `/api/v${1 + (k % 3)}/resource${k}/:id${k % 4 === 0 ? '/items' : ''}`,
    share: weight / sum,
    medianMs: 2 + 300 * next() ** 3,
    sigma: 0.3 + 0.6 * next(),
    errorRate: next() < 0.1 ? 0.05 * next() : 0.002,
    queries: Math.floor(next() * 30),
  }));
}

/** Traffic of each hour relative to the mean: a peak at 14:00 UTC, a trough at 02:00, weekends at 60 %. */
function hourlyWeight(hourStart: number): number {
  const hour = new Date(hourStart).getUTCHours();
  const weekday = new Date(hourStart).getUTCDay();
  const daily = 1 + 0.8 * Math.cos(((hour - 14) / 24) * 2 * Math.PI);
  return daily * (weekday === 0 || weekday === 6 ? 0.6 : 1);
}

function addRequest(buckets: Map<string, Bucket>, key: string, m: BucketTotals, status: number, bin: number) {
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = { totals: { ...m }, statuses: new Map(), bins: new Map() };
    buckets.set(key, bucket);
  } else addTotals(bucket.totals, m);
  bucket.statuses.set(status, (bucket.statuses.get(status) ?? 0) + 1);
  bucket.bins.set(bin, (bucket.bins.get(bin) ?? 0) + 1);
}

/** Draws every request and returns the buckets of each resolution, keyed `route:bucket`. */
function drawTraffic(
  options: SeedOptions,
  routes: RouteProfile[],
  next: () => number,
  onRequest: (r: RouteProfile, ts: number, totals: BucketTotals, status: number) => void,
) {
  const start = options.now - options.days * DAY_MS;
  const firstHour = start - (start % HOUR_MS);
  const hours: number[] = [];
  for (let hour = firstHour; hour < options.now; hour += HOUR_MS) hours.push(hour);
  const weightSum = hours.reduce((sum, hour) => sum + hourlyWeight(hour), 0);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  for (const hour of hours) {
    const inHour = (options.requests * hourlyWeight(hour)) / weightSum;
    for (const route of routes) {
      const expected = inHour * route.share;
      const n = Math.floor(expected) + (next() < expected % 1 ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const ts = Math.min(options.now - 1, hour + Math.floor(next() * HOUR_MS));
        const requestTime = Math.round(route.medianMs * Math.exp(route.sigma * normal()) * 1000) / 1000;
        const queryCount = Math.max(0, route.queries + Math.round(normal() * 2));
        const repeat = route.id % 7 === 0 ? 2 + Math.floor(next() * 10) : 0;
        const status = next() < route.errorRate ? 500 : next() < 0.02 ? 404 : 200;
        const memory = Math.floor(4e6 + next() * 2e7);
        onRequest(
          route,
          ts,
          {
            count: 1,
            time_sum: requestTime,
            time_min: requestTime,
            time_max: requestTime,
            query_count_sum: queryCount,
            query_count_max: queryCount,
            query_time_sum: queryCount * 0.4,
            query_time_max: queryCount * 0.4,
            query_repeat_max: repeat,
            repeated_query: repeat > 1 ? `select * from items where order_id = ?` : null,
            n_plus_one_count: repeat > 5 ? 1 : 0,
            memory_sum: memory,
            memory_max: memory,
          },
          status,
        );
      }
    }
  }
}

/** Seeds `db` (migrated, empty tables) and returns the number of requests and rows written. */
export async function seedDashboardStore(db: Kysely<Database>, options: SeedOptions): Promise<SeedCounts> {
  const next = random(42);
  const routes = profiles(options.routes, next);
  // The environment's totals row, as the rollup leaves it: every bucket also summed over all routes.
  const totalsId = routes.length + 1;
  const minuteFrom = options.now - 2 * DAY_MS;
  const buckets = new Map<number, Map<string, Bucket>>(
    RESOLUTIONS.map((resolution) => [resolution, new Map()]),
  );
  const sampleEvery = Math.max(1, Math.floor(options.requests / options.accessRecords));
  const records: unknown[][] = [];
  let requests = 0;
  drawTraffic(options, routes, next, (route, ts, totals, status) => {
    requests++;
    const bin = binOf(totals.time_sum);
    for (const [resolution, map] of buckets) {
      const bucket = ts - (ts % resolution);
      if (resolution === BUCKET_MS && bucket < minuteFrom - (minuteFrom % HOUR_MS)) continue;
      addRequest(map, `${route.id}:${bucket}`, totals, status, bin);
      addRequest(map, `${totalsId}:${bucket}`, totals, status, bin);
    }
    if (requests % sampleEvery === 0 && records.length < options.accessRecords) {
      records.push([
        `r${requests}`,
        route.id,
        ts,
        status,
        totals.time_sum,
        totals.query_count_sum,
        totals.query_time_sum,
        totals.memory_sum,
        route.route.replace(':id', String(requests % 997)),
        requests % 3 ? 'https://example.com/app' : null,
        requests % 5 ? `user${requests % 1000}` : null,
      ]);
    }
  });
  await writeRoutes(db, options, routes, totalsId);
  const rows: Record<string, number> = { routes: routes.length + 1 };
  for (const [resolution, map] of buckets) {
    const written = await writeBuckets(db, resolution, map);
    rows[`rollups (${RESOLUTION_NAMES[resolution as Resolution]})`] = written.rollups;
    rows.rollup_statuses = (rows.rollup_statuses ?? 0) + written.statuses;
  }
  rows.access_records = await writeAccessRecords(db, records);
  // As the rollup leaves it: minutes are kept from the hour 48 hours ago on.
  const minutesFrom = minuteFrom - (minuteFrom % HOUR_MS);
  await db
    .insertInto('control')
    .values([
      { name: 'rollup_minutes_from', value: minutesFrom },
      { name: `totals_from:${totalsId}`, value: 0 },
    ])
    .execute();
  return { requests, rows };
}

async function writeRoutes(
  db: Kysely<Database>,
  options: SeedOptions,
  routes: RouteProfile[],
  totalsId: number,
) {
  const rows = routes.map((route) => ({
    id: route.id,
    environment: options.environment,
    method: route.method,
    route: route.route,
    first_seen_at: options.now - options.days * DAY_MS,
    last_accessed_at: options.now,
  }));
  rows.push({
    id: totalsId,
    environment: options.environment,
    method: TOTALS_METHOD,
    route: TOTALS_ROUTE,
    first_seen_at: 0,
    last_accessed_at: 0,
  });
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('routes')
      .values(rows.slice(i, i + 1000))
      .execute();
}

async function writeBuckets(db: Kysely<Database>, resolution: number, buckets: Map<string, Bucket>) {
  const rollups = [];
  const statuses = [];
  for (const [key, bucket] of buckets) {
    const [route, start] = key.split(':').map(Number) as [number, number];
    rollups.push({
      route_id: route,
      resolution,
      bucket: start,
      ...bucket.totals,
      latency_bins: encodeBins(bucket.bins),
      ...percentileBinsOf(bucket.bins),
    });
    for (const [status_code, count] of bucket.statuses) {
      statuses.push({ route_id: route, resolution, bucket: start, status_code, count });
    }
  }
  for (let i = 0; i < rollups.length; i += 1000)
    await db
      .insertInto('rollups')
      .values(rollups.slice(i, i + 1000))
      .execute();
  for (let i = 0; i < statuses.length; i += 5000) {
    await db
      .insertInto('rollup_statuses')
      .values(statuses.slice(i, i + 5000))
      .execute();
  }
  return { rollups: rollups.length, statuses: statuses.length };
}

const RECORD_COLUMNS = [
  'request_id',
  'route_id',
  'created_at',
  'status_code',
  'request_time',
  'query_count',
  'query_time',
  'memory',
  'path',
  'referer',
  'user_id',
] as const;

async function writeAccessRecords(db: Kysely<Database>, records: unknown[][]) {
  for (let i = 0; i < records.length; i += 2000) {
    const rows = records
      .slice(i, i + 2000)
      .map((values) => Object.fromEntries(RECORD_COLUMNS.map((column, c) => [column, values[c]])));
    await db
      .insertInto('access_records')
      .values(rows as never)
      .execute();
  }
  return records.length;
}
