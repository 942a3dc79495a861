import type { Kysely, Transaction } from 'kysely';
import type { StoreDialect } from './dialects/index.js';
import type { Database } from './tables.js';

/**
 * Each environment has one more row in `routes` whose rolled-up buckets are the sums of all of its routes:
 * reads of a whole environment (the dashboard's overview, its charts) read one row per bucket instead of
 * one per route. `*` is no HTTP method, so no route of an app can take that row's identity.
 */
export const TOTALS_METHOD = '*';
export const TOTALS_ROUTE = '(all)';

/**
 * A `control` row per totals row: from which bucket on its buckets are exactly the sums of the routes'.
 * Deleting one route's data leaves them off (never): whole-environment reads then sum the routes again.
 */
const validFromName = (totalsId: number) => `totals_from:${totalsId}`;
const NEVER = Number.MAX_SAFE_INTEGER;

/** The totals rows of `environments`, by environment, created when missing (in the caller's transaction). */
export async function totalsIdsOf(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  environments: readonly string[],
): Promise<Map<string, number>> {
  const found = await findTotals(trx, environments);
  const missing = environments.filter((environment) => !found.has(environment));
  if (missing.length === 0) return found;
  const rows = missing.map((environment) => ({
    environment,
    method: TOTALS_METHOD,
    route: TOTALS_ROUTE,
    first_seen_at: 0,
    last_accessed_at: 0,
  }));
  const insert = trx.insertInto('routes').values(rows);
  await dialect.insertIgnoringDuplicates(insert, ['environment', 'method', 'route']).execute();
  const created = await findTotals(trx, missing);
  for (const [environment, id] of created) {
    // Sums from the start only for an environment with nothing rolled up yet; else never, until rebuilt.
    const rolled = await trx
      .selectFrom('rollups')
      .innerJoin('routes', 'routes.id', 'rollups.route_id')
      .select('rollups.route_id')
      .where('routes.environment', '=', environment)
      .where('routes.id', '!=', id)
      .limit(1)
      .executeTakeFirst();
    await setValidFrom(trx, dialect, id, rolled ? NEVER : 0);
    found.set(environment, id);
  }
  return found;
}

/** The totals rows of those of `environments` that have one. */
export async function findTotals(db: Kysely<Database>, environments: readonly string[]) {
  if (environments.length === 0) return new Map<string, number>();
  const rows = await db
    .selectFrom('routes')
    .select(['id', 'environment'])
    .where('environment', 'in', [...environments])
    .where('method', '=', TOTALS_METHOD)
    .where('route', '=', TOTALS_ROUTE)
    .execute();
  return new Map(rows.map((row) => [row.environment, Number(row.id)]));
}

export async function setValidFrom(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  totalsId: number,
  from: number | 'never',
): Promise<void> {
  const value = from === 'never' ? NEVER : from;
  const upsert = trx.insertInto('control').values({ name: validFromName(totalsId), value });
  await dialect.upsert(upsert, 'control', ['name'], { value: 'replace' }).execute();
}

/**
 * The id of the environment's totals row when its buckets can stand for all of its routes over a window
 * starting at `since`; undefined when the routes must be summed instead.
 */
export async function usableTotals(
  db: Kysely<Database>,
  environment: string,
  since: number,
): Promise<number | undefined> {
  const id = (await findTotals(db, [environment])).get(environment);
  if (id === undefined) return undefined;
  const from = await totalsValidFrom(db, id);
  return from !== undefined && from <= since ? id : undefined;
}

/** From which bucket on a totals row's buckets are the sums of its routes' (see setValidFrom). */
export async function totalsValidFrom(db: Kysely<Database>, totalsId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('control')
    .select('value')
    .where('name', '=', validFromName(totalsId))
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.value);
}
