import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { RouteperfError } from '../errors.js';
import { requestsIn } from './bucket-reads.js';
import type { StoreDialect } from './dialects/index.js';
import { TOTALS_METHOD, totalsIdsOf } from './environment-totals.js';
import { ceilTo, finestKept, floorTo, type KeptFrom } from './read-plan.js';
import { BUCKET_MS, DAY_MS, type Database, HOUR_MS, RESOLUTIONS } from './tables.js';
import { transact } from './transact.js';

/** The window a rebuild is asked for. */
export interface RebuildWindow {
  /** Start (ms); default: where each environment's access records start. */
  since?: number;
  /**
   * End (ms); default and at most the start of the previous minute: the minutes still being written stay
   * where ingestion puts them.
   */
  until?: number;
  /** One environment; default: every environment. */
  environment?: string;
}

/** An environment's window of a rebuild, and what it covers. */
export interface WindowPlan {
  environment: string;
  /** Its routes, in order (its totals row aside). */
  routeIds: number[];
  totalsId: number;
  from: number;
  to: number;
  /** The access records in the window. */
  records: number;
}

/** The environments a rebuild covers: the one named, or every one with routes. */
export async function environmentsOf(db: Kysely<Database>, only: string | undefined): Promise<string[]> {
  if (only !== undefined) return [only];
  const rows = await db
    .selectFrom('routes')
    .select('environment')
    .distinct()
    .orderBy('environment')
    .execute();
  return rows.map((row) => row.environment);
}

/** The environment's window, or why it has none. */
export async function planWindow(
  db: Kysely<Database>,
  dialect: StoreDialect,
  environment: string,
  options: RebuildWindow,
  keptFrom: KeptFrom,
  cutoff: number,
): Promise<WindowPlan | string> {
  const routeIds = await routeIdsOf(db, environment);
  const named = options.environment !== undefined;
  if (routeIds.length === 0) {
    if (named) throw refused(environment, 'has no routes');
    return 'no routes';
  }
  const span = await db
    .selectFrom('access_records')
    .select((eb) => [
      eb.fn.min<number>('created_at').as('oldest'),
      eb.fn.max<number>('created_at').as('newest'),
    ])
    .where(recordsOf(environment))
    .executeTakeFirst();
  if (span?.oldest === null || span?.oldest === undefined) {
    if (named) throw refused(environment, 'has no access records to rebuild from');
    return 'no access records';
  }
  const oldest = Number(span.oldest);
  const newest = Number(span.newest);
  const aligned = (time: number) => floorTo(time, finestKept(time, keptFrom));
  const nothingBefore = Math.min(...RESOLUTIONS.map((resolution) => keptFrom[resolution]));
  let from = aligned(Math.max(options.since ?? oldest, nothingBefore));
  // The buckets before the oldest access record (and in its own bucket, before it) may hold requests
  // whose records were purged: a rebuild would drop them.
  const firstWhole = ceilTo(oldest, finestKept(oldest, keptFrom));
  const lostBefore = await withoutRecords(db, environment, from, firstWhole, keptFrom);
  if (lostBefore > 0) {
    if (options.since !== undefined)
      throw refused(
        environment,
        `has access records from ${iso(oldest)} on, and its buckets before ${iso(firstWhole)} hold ${lostBefore} requests that have none (purged, or never written): rebuilding from ${iso(from)} would lose them. Use --since ${iso(firstWhole)} or later`,
      );
    from = firstWhole;
  }
  const end = Math.min(options.until ?? cutoff, cutoff);
  let to = Math.min(ceilTo(end, finestKept(end, keptFrom)), cutoff);
  // Likewise after the newest: access records were turned off, and the requests since have none.
  const lastWhole = aligned(newest);
  const lostAfter = await withoutRecords(db, environment, lastWhole, to, keptFrom);
  if (lostAfter > 0) {
    if (options.until !== undefined)
      throw refused(
        environment,
        `has access records up to ${iso(newest)}, and its buckets from ${iso(lastWhole)} on hold ${lostAfter} requests that have none (were access records turned off?): rebuilding up to ${iso(to)} would lose them. Use --until ${iso(lastWhole)} or earlier`,
      );
    to = lastWhole;
  }
  if (from >= to) return 'no whole bucket between its first and last access records';
  const totalsId = (await transact(db, dialect, (trx) => totalsIdsOf(trx, dialect, [environment]))).get(
    environment,
  )!;
  const records = await recordsIn(db, environment, from, to);
  return { environment, routeIds, totalsId, from, to, records };
}

/** How many more requests the buckets of [from, to) hold than there are access records in it. */
async function withoutRecords(
  db: Kysely<Database>,
  environment: string,
  from: number,
  to: number,
  keptFrom: KeptFrom,
): Promise<number> {
  if (from >= to) return 0;
  const held = await requestsIn(db, environment, from, to, keptFrom);
  if (held === 0) return 0;
  return Math.max(0, held - (await recordsIn(db, environment, from, to)));
}

/** The access records of the routes in [from, to). */
async function recordsIn(db: Kysely<Database>, environment: string, from: number, to: number) {
  const row = await db
    .selectFrom('access_records')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where(recordsOf(environment))
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Of the access records, the environment's: its routes named by a subquery, and the route index kept out
 * of the plan (the unary `+`), so that the database walks the records by time, as every rebuild read
 * wants them, rather than seeking each route's and sorting them.
 */
export function recordsOf(environment: string): Expression<SqlBool> {
  return sql<boolean>`+${sql.ref('route_id')} in (select ${sql.ref('id')} from ${sql.table('routes')} where ${sql.ref('environment')} = ${environment} and ${sql.ref('method')} != ${TOTALS_METHOD})`;
}

/** The ids of an environment's routes (its totals row aside), in order. */
export async function routeIdsOf(db: Kysely<Database>, environment: string): Promise<number[]> {
  const rows = await db
    .selectFrom('routes')
    .select('id')
    .where('environment', '=', environment)
    .where('method', '!=', TOTALS_METHOD)
    .orderBy('id')
    .execute();
  return rows.map((row) => Number(row.id));
}

/**
 * Where the chunk starting at `from` ends: at the end of the hour (where minute buckets are kept) or day
 * (elsewhere) that holds its `budget`-th access record, so that a chunk holds about that many (never less
 * than one hour or day, whatever their number: a day of minute buckets of busy routes would be many rows
 * in one transaction); never past the window's end, nor past where minute buckets start being kept.
 */
export async function chunkEnd(
  db: Kysely<Database>,
  plan: WindowPlan,
  from: number,
  keptFrom: KeptFrom,
  budget: number,
): Promise<number> {
  const minutesKept = from >= keptFrom[BUCKET_MS];
  const width = minutesKept ? HOUR_MS : DAY_MS;
  const last = await db
    .selectFrom('access_records')
    .select('created_at')
    .where(recordsOf(plan.environment))
    .where('created_at', '>=', from)
    .where('created_at', '<', plan.to)
    .orderBy('created_at')
    .limit(1)
    .offset(budget - 1)
    .executeTakeFirst();
  const reach = last === undefined ? plan.to : floorTo(Number(last.created_at), width);
  const end = Math.min(Math.max(reach, floorTo(from, width) + width), plan.to);
  return minutesKept ? end : Math.min(end, keptFrom[BUCKET_MS]);
}

export const iso = (time: number) => new Date(time).toISOString();

function refused(environment: string, why: string) {
  return new RouteperfError('ROUTEPERF_REBUILD_REFUSED', `Environment "${environment}" ${why}.`);
}
