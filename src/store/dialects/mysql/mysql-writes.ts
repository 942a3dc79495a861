import { sql } from 'kysely';
import type { ClaimMethod, DialectWrites } from '../dialect.js';
import { routeBucketsList } from '../shared/route-buckets.js';
import { ValuesInsert } from '../shared/values-insert.js';
import { returningOption } from './mysql-options.js';

const MAX_PARAMETERS = 65_000;

export const mysqlWrites: DialectWrites = {
  maxParameters: MAX_PARAMETERS,
  inRouteBuckets: routeBucketsList,
  upsert(insert, _table, _key, merge) {
    return insert.onDuplicateKeyUpdate(
      Object.fromEntries(
        Object.entries(merge).map(([column, how]) => {
          const existing = sql.ref(column);
          const incoming = sql`VALUES(${existing})`;
          if (typeof how === 'object') {
            const stored = sql.ref(how.whenGreater);
            return [column, sql`if(VALUES(${stored}) > ${stored}, ${incoming}, ${existing})`];
          }
          const value =
            how === 'add'
              ? sql`${existing} + ${incoming}`
              : how === 'replace'
                ? incoming
                : sql`${sql.raw(how === 'min' ? 'least' : 'greatest')}(${existing}, ${incoming})`;
          return [column, value];
        }),
      ),
    );
  },
  bulkInsert: (db, table, columns, finish) => new ValuesInsert(MAX_PARAMETERS, db, table, columns, finish),
  insertIgnoringDuplicates: (insert) => insert.ignore(),
  async claimMethod(db, url) {
    const forced = returningOption(url);
    if (forced !== undefined) return forced;
    const { rows } = await sql<{ version: string }>`select version() as version`.execute(db);
    return claimMethodOf(rows[0]!.version);
  },
};

/**
 * MariaDB has `INSERT … RETURNING` from 10.5; MySQL (8.x) has none. `version()` is `10.11.6-MariaDB…` on
 * MariaDB and `8.0.36` on MySQL.
 */
export function claimMethodOf(version: string): ClaimMethod {
  const [, major, minor] = /^(\d+)\.(\d+)/.exec(version) ?? [];
  const mariadb = /mariadb/i.test(version);
  return mariadb && Number(major) * 1000 + Number(minor) >= 10_005 ? 'returning' : 'claim-token';
}
