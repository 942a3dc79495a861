import { MysqlDialect, sql } from 'kysely';
import { valuesBulkInsert } from '../bulk-insert.js';
import type { StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';

/** ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT: InnoDB gives these to concurrent upserts of a new key. */
const TRANSIENT_ERRNOS = new Set([1213, 1205]);

export const mysqlDialect: StoreDialect = {
  name: 'mysql',
  maxParameters: 65_000,
  autoIncrementType: 'bigint',
  async createDialect(url) {
    const mysql = await importDriver<typeof import('mysql2')>('mysql2', 'A mysql: database');
    const pool = mysql.createPool({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectTimeout: 5000,
      connectionLimit: 10,
      decimalNumbers: true,
      // mysql2 parses a number of up to 17 characters digit by digit, which rounds those with 16 or 17
      // significant digits to a neighbouring double; JavaScript's parsing of the same text is exact, so a
      // time is read back bit for bit as it was written.
      typeCast(field, next) {
        if (field.type !== 'DOUBLE' && field.type !== 'NEWDECIMAL') return next();
        const text = field.string();
        return text === null ? null : Number(text);
      },
    });
    return new MysqlDialect({ pool });
  },
  // The default collations fold case (and accents): a unique key on them would merge `/Users` into `/users`.
  exactText: (length) => sql`varchar(${sql.lit(length)}) character set utf8mb4 collate utf8mb4_bin`,
  autoIncrement: (column) => column.primaryKey().autoIncrement(),
  upsert(insert, _table, _key, merge) {
    return insert.onDuplicateKeyUpdate(
      Object.fromEntries(
        Object.entries(merge).map(([column, how]) => {
          const existing = sql.ref(column);
          const incoming = sql`VALUES(${existing})`;
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
  bulkInsert(db, table, columns, finish) {
    return valuesBulkInsert(this.maxParameters, db, table, columns, finish);
  },
  insertIgnoringDuplicates: (insert) => insert.ignore(),
  isTransient: (error) => TRANSIENT_ERRNOS.has(Number((error as { errno?: number })?.errno)),
};
