import { sql } from 'kysely';
import type { Merge, Upsertable } from '../dialect.js';

/**
 * `INSERT … ON CONFLICT (key) DO UPDATE` as SQLite and PostgreSQL spell it; they differ only in the name
 * of the two-argument minimum and maximum.
 */
export function onConflictUpsert<Q extends Upsertable>(
  insert: Q,
  table: string,
  key: readonly string[],
  merge: Record<string, Merge>,
  functions: { min: string; max: string },
): Q {
  return insert.onConflict((conflict: any) =>
    conflict.columns(key).doUpdateSet(
      Object.fromEntries(
        Object.entries(merge).map(([column, how]) => {
          const existing = sql.ref(`${table}.${column}`);
          const incoming = sql.ref(`excluded.${column}`);
          if (typeof how === 'object') {
            const [stored, offered] = [
              sql.ref(`${table}.${how.whenGreater}`),
              sql.ref(`excluded.${how.whenGreater}`),
            ];
            return [column, sql`case when ${offered} > ${stored} then ${incoming} else ${existing} end`];
          }
          const value =
            how === 'add'
              ? sql`${existing} + ${incoming}`
              : how === 'replace'
                ? incoming
                : sql`${sql.raw(functions[how])}(${existing}, ${incoming})`;
          return [column, value];
        }),
      ),
    ),
  ) as Q;
}

export function onConflictDoNothing<Q extends Upsertable>(insert: Q, key: readonly string[]): Q {
  return insert.onConflict((conflict: any) => conflict.columns(key).doNothing()) as Q;
}
