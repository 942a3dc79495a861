import { type Expression, type SqlBool, sql } from 'kysely';

/** `(route_id, bucket) in ((…), …)`: a row value list, which SQLite and MySQL look up key by key. */
export function routeBucketsList(keys: readonly (readonly [number, number])[]): Expression<SqlBool> {
  const tuples = keys.map(([routeId, bucket]) => sql`(${routeId}, ${bucket})`);
  return sql<boolean>`(${sql.ref('route_id')}, ${sql.ref('bucket')}) in (${sql.join(tuples)})`;
}
