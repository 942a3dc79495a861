import type { ExpressionBuilder, Kysely } from 'kysely';
import {
  type AccessRecord,
  type AccessRecordsQuery,
  OWN_FIELDS,
  type RouteName,
  recordConditions,
  routeIdsOf,
  toAccessRecord,
} from './access-record-reads.js';
import type { Database } from './tables.js';

/** Where a walk of the access records by time is: just after this record. */
export interface RecordCursor {
  at: number;
  id: number;
}

/**
 * The records after `cursor` in the order (created_at, id); its first condition lets the database seek the
 * time index to the cursor rather than read every record before it.
 */
export function afterRecord({ at, id }: RecordCursor) {
  return (eb: ExpressionBuilder<Database, 'access_records'>) =>
    eb.and([
      eb('access_records.created_at', '>=', at),
      eb.or([eb('access_records.created_at', '>', at), eb('access_records.id', '>', id)]),
    ]);
}

/**
 * Every access record the query's filters match (its sort and paging aside), oldest first, in batches of
 * at most `batchSize`. Each batch is read from the time index where the one before ended, so the millionth
 * costs what the first did (an offset would read every record before it again) and no more than one is
 * held. The records are read alone, and their routes' names and environment come from a map: a join, or
 * a subquery naming the environment's routes, gives the database a guess of how many records it must
 * read for a batch, and a bad guess makes it sort all of a route's records or start parallel workers for
 * every batch.
 */
export async function* accessRecordBatches(
  db: Kysely<Database>,
  environment: string,
  query: AccessRecordsQuery,
  batchSize: number,
): AsyncGenerator<AccessRecord[]> {
  const routeIds = await routeIdsOf(db, environment, query);
  const routes = await routesOf(db, environment);
  let cursor: RecordCursor | undefined;
  for (;;) {
    let page = db
      .selectFrom('access_records')
      .select([...OWN_FIELDS, 'access_records.route_id', 'access_records.id'])
      .where((eb) => recordConditions(eb, query));
    if (routeIds !== undefined)
      page = page.where('access_records.route_id', 'in', routeIds.length ? routeIds : [-1]);
    if (cursor) page = page.where(afterRecord(cursor));
    const rows = await page
      .orderBy('access_records.created_at')
      .orderBy('access_records.id')
      .limit(batchSize)
      .execute();
    await routes.learn(rows.map((row) => Number(row.route_id)));
    const records = rows.flatMap((row) => {
      const name = routes.get(Number(row.route_id));
      return name ? [toAccessRecord(row, name)] : [];
    });
    if (records.length > 0) yield records;
    if (rows.length < batchSize) return;
    const last = rows.at(-1)!;
    cursor = { at: Number(last.created_at), id: Number(last.id) };
  }
}

/**
 * The environment's routes by id, their names; undefined for a route of another environment. Routes
 * added since it was made (a request to a new route during an export) are looked up as they appear.
 */
async function routesOf(db: Kysely<Database>, environment: string) {
  const names = new Map<number, RouteName | undefined>();
  const named = await db
    .selectFrom('routes')
    .select(['id', 'method', 'route'])
    .where('environment', '=', environment)
    .execute();
  for (const { id, method, route } of named) names.set(Number(id), { method, route });
  return {
    get: (id: number) => names.get(id),
    async learn(ids: readonly number[]) {
      const unknown = [...new Set(ids)].filter((id) => !names.has(id));
      if (unknown.length === 0) return;
      const found = await db
        .selectFrom('routes')
        .select(['id', 'environment', 'method', 'route'])
        .where('id', 'in', unknown)
        .execute();
      for (const id of unknown) names.set(id, undefined);
      for (const row of found)
        if (row.environment === environment)
          names.set(Number(row.id), { method: row.method, route: row.route });
    },
  };
}
