import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import {
  type AccessRecord,
  type AccessRecordsQuery,
  OWN_FIELDS,
  type RouteName,
  recordConditions,
  routeIdsOf,
  toAccessRecord,
} from './access-record-reads.js';
import { TOTALS_METHOD } from './environment-totals.js';
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
 * Of the access records, the environment's: its routes named by a subquery, and the route index kept out
 * of the plan (the unary `+`), so that the database walks the records by time rather than seeking each
 * route's and sorting them.
 */
export function recordsOf(environment: string): Expression<SqlBool> {
  return sql<boolean>`+${sql.ref('route_id')} in (select ${sql.ref('id')} from ${sql.table('routes')} where ${sql.ref('environment')} = ${environment} and ${sql.ref('method')} != ${TOTALS_METHOD})`;
}

/**
 * Every access record the query's filters match (its sort and paging aside), oldest first, `batchSize` at
 * a time. Each batch is read from the time index where the one before ended, so the millionth costs what
 * the first did (an offset would read every record before it again) and no more than one is held. The
 * records are read without their routes, whose names come from a map of the environment's routes: a join
 * would let the database start from the routes and sort each batch out of all their records.
 */
export async function* accessRecordBatches(
  db: Kysely<Database>,
  environment: string,
  query: AccessRecordsQuery,
  batchSize: number,
): AsyncGenerator<AccessRecord[]> {
  const routeIds = await routeIdsOf(db, environment, query);
  const routes = new Map<number, RouteName>();
  let cursor: RecordCursor | undefined;
  for (;;) {
    let page = db
      .selectFrom('access_records')
      .select([...OWN_FIELDS, 'access_records.route_id', 'access_records.id'])
      .where((eb) => recordConditions(eb, query))
      .where(
        routeIds === undefined
          ? recordsOf(environment)
          : (eb) => eb('access_records.route_id', 'in', routeIds.length ? routeIds : [-1]),
      );
    if (cursor) page = page.where(afterRecord(cursor));
    const rows = await page
      .orderBy('access_records.created_at')
      .orderBy('access_records.id')
      .limit(batchSize)
      .execute();
    await nameRoutes(db, routes, rows);
    if (rows.length > 0) yield rows.map((row) => toAccessRecord(row, routes.get(Number(row.route_id))!));
    if (rows.length < batchSize) return;
    const last = rows.at(-1)!;
    cursor = { at: Number(last.created_at), id: Number(last.id) };
  }
}

/** Adds to `routes` the method and template of the routes of `rows` it does not hold yet. */
async function nameRoutes(
  db: Kysely<Database>,
  routes: Map<number, RouteName>,
  rows: readonly { route_id: number | string }[],
) {
  const missing = [...new Set(rows.map((row) => Number(row.route_id)))].filter((id) => !routes.has(id));
  if (missing.length === 0) return;
  const named = await db
    .selectFrom('routes')
    .select(['id', 'method', 'route'])
    .where('id', 'in', missing)
    .execute();
  for (const { id, method, route } of named) routes.set(Number(id), { method, route });
}
