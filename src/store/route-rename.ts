import type { Kysely, Transaction } from 'kysely';
import type { StoreDialect } from './dialects/index.js';
import { TOTALS_METHOD } from './environment-totals.js';
import { lockBuckets } from './rollup.js';
import { BUCKET_TABLES, type RouteIdentity, requestsHeld } from './route-buckets.js';
import type { Database } from './tables.js';
import { transact } from './transact.js';

/** What a rename did: the requests it moved, or why it moved nothing. */
export type RenameOutcome =
  | { renamed: true; requests: number }
  | { renamed: false; reason: 'no-such-route' | 'target-has-data' };

const identity = (db: Kysely<Database>, environment: string, method: string, route: string) =>
  db
    .selectFrom('routes')
    .selectAll()
    .where('environment', '=', environment)
    .where('method', '=', method.toUpperCase())
    .where('route', '=', route)
    .where('method', '!=', TOTALS_METHOD);

/**
 * Moves the buckets, access records and review of a route to another template (and method) of the same
 * environment, for a route renamed in the app's code, in one transaction that holds the rollup's lock. The
 * old route row stays, empty: processes that still serve it keep its id and record under its old name.
 * A target that already holds requests is left alone (two histories are not merged); so is a missing
 * source. The environment's totals do not change.
 */
export async function renameRoute(
  db: Kysely<Database>,
  dialect: StoreDialect,
  from: Required<RouteIdentity>,
  to: Omit<RouteIdentity, 'environment'>,
): Promise<RenameOutcome> {
  return transact(db, dialect, async (trx) => {
    await lockBuckets(trx, dialect);
    const source = await identity(trx, from.environment, from.method, from.route).executeTakeFirst();
    if (!source) return { renamed: false, reason: 'no-such-route' };
    const targetId = await targetRoute(trx, dialect, from.environment, to, source);
    if (await holdsData(trx, targetId)) return { renamed: false, reason: 'target-has-data' };
    const requests = await requestsHeld(trx, [source.id]);
    for (const table of [...BUCKET_TABLES, 'access_records'] as const)
      await trx.updateTable(table).set({ route_id: targetId }).where('route_id', '=', source.id).execute();
    const review = ['reviewed_at', 'reviewed_by', 'queries_improved', 'time_improved'] as const;
    await trx
      .updateTable('routes')
      .set(Object.fromEntries(review.map((column) => [column, source[column]])))
      .set({ first_seen_at: source.first_seen_at, last_accessed_at: source.last_accessed_at })
      .where('id', '=', targetId)
      .execute();
    await trx
      .updateTable('routes')
      .set(Object.fromEntries(review.map((column) => [column, null])))
      .where('id', '=', source.id)
      .execute();
    return { renamed: true, requests };
  });
}

/** The id of the target route, added when it was never recorded. */
async function targetRoute(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  environment: string,
  to: Omit<RouteIdentity, 'environment'>,
  source: { first_seen_at: number; last_accessed_at: number },
): Promise<number> {
  const method = to.method.toUpperCase();
  const insert = trx.insertInto('routes').values({
    environment,
    method,
    route: to.route,
    first_seen_at: source.first_seen_at,
    last_accessed_at: source.last_accessed_at,
    reviewed_at: null,
    reviewed_by: null,
    queries_improved: null,
    time_improved: null,
  });
  await dialect.insertIgnoringDuplicates(insert, ['environment', 'method', 'route']).execute();
  const row = await identity(trx, environment, method, to.route).select('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

async function holdsData(trx: Transaction<Database>, routeId: number): Promise<boolean> {
  for (const table of [...BUCKET_TABLES, 'access_records'] as const) {
    const row = await trx
      .selectFrom(table)
      .select('route_id')
      .where('route_id', '=', routeId)
      .limit(1)
      .executeTakeFirst();
    if (row) return true;
  }
  return false;
}
