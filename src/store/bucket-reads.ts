import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { TOTALS_MERGE } from './bucket-totals.js';
import { TOTALS_METHOD, usableTotals } from './environment-totals.js';
import type { BinCount, PercentileKey } from './histogram.js';
import { decodeBins } from './histogram-blob.js';
import { percentileBinColumn } from './percentile-bins.js';
import { type KeptFrom, type ReadPlan, tile } from './read-plan.js';
import { rollupState } from './rollup.js';
import { type BucketTotals, type Database, RESOLUTIONS } from './tables.js';

/** Which routes a read covers: an environment's, or one route (of one method or of all). */
export interface RouteFilter {
  environment: string;
  route?: string;
  method?: string;
  /**
   * The routes asked for (those of one page): rows of other routes of the filter may come too when there
   * are many (see NAMED_IDS), and callers pass them over.
   */
  ids?: readonly number[];
  /**
   * The environment's totals row (see environment-totals.ts), for reads that sum every route of it: its
   * rolled-up buckets stand for all of the routes', the minutes not rolled up yet are summed.
   */
  totalsId?: number;
}

const TOTAL_COLUMNS = Object.keys(TOTALS_MERGE) as (keyof BucketTotals)[];
/** A bucket's key and its totals, in `aggregates` and `rollups` alike. */
const BUCKET_TOTAL_COLUMNS = ['route_id', 'bucket', ...TOTAL_COLUMNS] as const;
/** How many times a read starts again when a rollup changed the rows while it read them. */
const READ_ATTEMPTS = 5;

/**
 * Runs `read` (several statements) so that what it returns comes from one state of the buckets: when a
 * rollup committed between its statements (the generation moved), it reads again.
 */
export async function consistentRead<T>(
  db: Kysely<Database>,
  read: (keptFrom: KeptFrom) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const before = await rollupState(db);
    const result = await read(before.keptFrom);
    if (attempt >= READ_ATTEMPTS || (await rollupState(db)).generation === before.generation) return result;
  }
}

/**
 * The filter with its environment's totals row, when it covers every route of the environment and the
 * totals hold the routes' sums from `since` on (see environment-totals.ts).
 */
export async function withTotals(
  db: Kysely<Database>,
  filter: RouteFilter,
  since: number,
): Promise<RouteFilter> {
  if (filter.route !== undefined || filter.method !== undefined || filter.ids !== undefined) return filter;
  const totalsId = await usableTotals(db, filter.environment, since);
  return totalsId === undefined ? filter : { ...filter, totalsId };
}

/** The ids of the routes a filter covers (its `ids` aside), as a subquery. */
function routeIds(db: Kysely<Database>, filter: RouteFilter) {
  let ids = db
    .selectFrom('routes')
    .select('id')
    .where('environment', '=', filter.environment)
    .where('method', '!=', TOTALS_METHOD);
  if (filter.route !== undefined) ids = ids.where('route', '=', filter.route);
  if (filter.method !== undefined) ids = ids.where('method', '=', filter.method.toUpperCase());
  return ids;
}

/**
 * A filter's `ids` named in a statement, at most this many: a longer list reads every route of the filter,
 * whose extra rows the callers, which look their routes up by id, pass over.
 */
const NAMED_IDS = 1000;

/**
 * `route_id` of a bucket table among the routes a filter covers. Ids of the filter are named in the
 * statement as well: then the database walks the route index for each of them, rather than every route's
 * buckets of the window joined to the few asked for.
 */
function ofRoutes(db: Kysely<Database>, filter: RouteFilter) {
  const covered = sql<boolean>`${sql.ref('route_id')} in (${routeIds(db, filter)})`;
  const { ids } = filter;
  if (ids === undefined || ids.length > NAMED_IDS) return covered;
  const named = sql.join((ids.length ? ids : [-1]).map((id) => sql.lit(Math.trunc(id))));
  return sql<boolean>`${sql.ref('route_id')} in (${named}) and ${covered}`;
}

/**
 * Of the rolled-up buckets, those a read sums: its routes', or their environment's totals row's. A read of
 * many routes walks the window's buckets in the order of the primary key (resolution, bucket, route_id) and
 * keeps its routes' (the unary `+` keeps the route index out of the plan), rather than seeking each route's
 * buckets in the route index, one seek per route and segment: SQLite would otherwise take the seeks, which
 * cost more than the rows they read (PostgreSQL plans the walk either way).
 */
function ofRolledRoutes(db: Kysely<Database>, filter: RouteFilter) {
  if (filter.totalsId !== undefined) return sql<boolean>`${sql.ref('route_id')} = ${filter.totalsId}`;
  if (filter.route !== undefined || filter.ids !== undefined) return ofRoutes(db, filter);
  return sql<boolean>`+${sql.ref('route_id')} in (${routeIds(db, filter)})`;
}

/** `routes and from <= bucket < to`, in any of the bucket tables. */
const inBuckets = (routes: Expression<SqlBool>, from: number, to: number) =>
  sql<boolean>`${routes} and ${sql.ref('bucket')} >= ${from} and ${sql.ref('bucket')} < ${to}`;

/** What `bucketsOf` needs of a select: narrowing it, and appending another (`R`) with the same columns. */
interface BucketSelect<Q, R> {
  where(condition: Expression<SqlBool>): Q;
  unionAll(other: R): Q;
}

/**
 * The plan's buckets (see ReadPlan) as one query: `recent` (a select from a table ingestion writes) over
 * the whole window, then `rolled` (the same columns from its rolled-up table) for each segment.
 */
function bucketsOf<Q extends BucketSelect<Q, R>, R extends BucketSelect<R, R>>(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  recent: Q,
  rolled: () => R,
): Q {
  const inWindow = recent.where(inBuckets(ofRoutes(db, filter), plan.since, plan.until));
  return segmentSelects(db, plan, filter, rolled).reduce((rows, segment) => rows.unionAll(segment), inWindow);
}

/** A select of `rolled` for each segment of the plan. */
function segmentSelects<R extends BucketSelect<R, R>>(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  rolled: () => R,
): R[] {
  const routes = ofRolledRoutes(db, filter);
  return plan.segments.map((segment) =>
    rolled()
      .where(sql<boolean>`${sql.ref('resolution')} = ${segment.resolution}`)
      .where(inBuckets(routes, segment.from, segment.to)),
  );
}

/** The numeric totals, merged over the rows of the `parts` subquery as their merge says (see TOTALS_MERGE). */
export type MergedTotals = Record<Exclude<keyof BucketTotals, 'repeated_query'>, number | string | null>;

/** The aggregate expressions of MergedTotals, for a select over `totalsRows(…).as('parts')`. */
export function mergedTotals(eb: ExpressionBuilder<any, any>) {
  return TOTAL_COLUMNS.flatMap((column) => {
    const how = TOTALS_MERGE[column];
    if (typeof how === 'object') return [];
    const name = how === 'add' ? 'sum' : how === 'min' ? 'min' : 'max';
    return [eb.fn<number>(name, [sql.ref(`parts.${column}`)]).as(column)];
  });
}

/** Every bucket of the plan with its totals, one row per route and bucket. */
export function totalsRows(db: Kysely<Database>, plan: ReadPlan, filter: RouteFilter) {
  const columns = BUCKET_TOTAL_COLUMNS;
  return bucketsOf(db, plan, filter, db.selectFrom('aggregates').select(columns), () =>
    db.selectFrom('rollups').select(columns),
  );
}

/**
 * The requests the buckets of an environment's routes hold in [from, to): the minutes not rolled up yet,
 * and the rolled-up buckets that tile the window (its ends whole buckets of a resolution kept there).
 */
export async function requestsIn(
  db: Kysely<Database>,
  environment: string,
  from: number,
  to: number,
  keptFrom: KeptFrom,
): Promise<number> {
  const plan = { since: from, until: to, segments: tile(from, to, RESOLUTIONS, keptFrom) };
  const row = await db
    .selectFrom(totalsRows(db, plan, { environment }).as('parts'))
    .select((eb) => eb.fn.sum<number | string | null>('parts.count').as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Every bucket of the plan with only what says a route was active in it: its route and N+1 requests. */
export function routeActivityRows(db: Kysely<Database>, plan: ReadPlan, filter: RouteFilter) {
  const columns = ['route_id', 'bucket', 'n_plus_one_count'] as const;
  return bucketsOf(db, plan, filter, db.selectFrom('aggregates').select(columns), () =>
    db.selectFrom('rollups').select(columns),
  );
}

/**
 * totalsRows with the percentile bins of `keys` (see percentile-bins.ts) of each bucket, and `rolled`:
 * 1 for a rolled-up bucket, 0 for a minute not rolled up yet, whose bins are null.
 */
export function totalsRowsWithPercentileBins(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  keys: readonly PercentileKey[],
) {
  const columns = BUCKET_TOTAL_COLUMNS;
  const bins = (rolled: boolean) => [
    ...keys.map((key) => {
      const column = percentileBinColumn(key);
      return (rolled ? sql<number | null>`${sql.ref(column)}` : sql<number | null>`null`).as(column);
    }),
    sql<number>`${sql.lit(rolled ? 1 : 0)}`.as('rolled'),
  ];
  return bucketsOf(db, plan, filter, db.selectFrom('aggregates').select(columns).select(bins(false)), () =>
    db.selectFrom('rollups').select(columns).select(bins(true)),
  );
}

/** Every status count of the plan, one row per route, bucket and status code. */
export function statusRows(db: Kysely<Database>, plan: ReadPlan, filter: RouteFilter) {
  const columns = ['route_id', 'bucket', 'status_code', 'count'] as const;
  return bucketsOf(db, plan, filter, db.selectFrom('status_counts').select(columns), () =>
    db.selectFrom('rollup_statuses').select(columns),
  );
}

/**
 * The latency histogram of each group of the plan's buckets, `groupOf` naming a bucket's group (a route, a
 * point of a series): the bins not rolled up yet as rows, and the rolled-up ones decoded.
 */
export async function latencyBins(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  groupOf: (routeId: number, bucket: number) => number,
): Promise<Map<number, BinCount[]>> {
  // One statement: the minutes' bins as rows (latency_bins null), the rolled-up buckets' as a blob each.
  const column = <T, N extends string>(name: N, present: boolean) =>
    (present ? sql<T | null>`${sql.ref(name)}` : sql<T | null>`null`).as(name);
  const binColumns = (rolled: boolean) =>
    [
      column<number, 'route_id'>('route_id', true),
      column<number, 'bucket'>('bucket', true),
      column<number, 'bin'>('bin', !rolled),
      column<number, 'count'>('count', !rolled),
      column<Uint8Array, 'latency_bins'>('latency_bins', rolled),
    ] as const;
  const rows = await bucketsOf(db, plan, filter, db.selectFrom('histogram').select(binColumns(false)), () =>
    db.selectFrom('rollups').select(binColumns(true)),
  ).execute();
  const sums = new Map<number, BinSums>();
  for (const row of rows) {
    const group = groupOf(Number(row.route_id), Number(row.bucket));
    const bins = sums.get(group) ?? new BinSums();
    sums.set(group, bins);
    if (row.latency_bins === null) bins.add(Number(row.bin), Number(row.count));
    else decodeBins(row.latency_bins, bins.add);
  }
  return new Map([...sums].map(([group, bins]) => [group, bins.binCounts()]));
}

/**
 * Counts per latency bin, summed. Bins sit in a narrow range (a thousand bins span 1 µs to an hour), so a
 * dense array indexed from the lowest bin seen sums a histogram far faster than a map.
 */
class BinSums {
  #lowest = 0;
  #counts = new Float64Array(0);

  readonly add = (bin: number, count: number): void => {
    let index = bin - this.#lowest;
    if (index < 0 || index >= this.#counts.length) index = this.#grow(bin);
    this.#counts[index]! += count;
  };

  binCounts(): BinCount[] {
    const result: BinCount[] = [];
    this.#counts.forEach((count, index) => {
      if (count > 0) result.push({ bin: index + this.#lowest, count });
    });
    return result;
  }

  /** Widens the array to hold `bin`, with room to spare on that side; returns the bin's index. */
  #grow(bin: number): number {
    const used = this.#counts.length;
    const room = Math.max(64, used);
    const lowest = used === 0 ? bin - room : Math.min(this.#lowest, bin - room);
    const highest = used === 0 ? bin + room : Math.max(this.#lowest + used, bin + room);
    const counts = new Float64Array(highest - lowest);
    if (used > 0) counts.set(this.#counts, this.#lowest - lowest);
    this.#counts = counts;
    this.#lowest = lowest;
    return bin - lowest;
  }
}
