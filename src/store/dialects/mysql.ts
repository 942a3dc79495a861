import { MysqlDialect, sql } from 'kysely';
import { valuesBulkInsert } from '../bulk-insert.js';
import type { StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';
import { mysqlErrorKind } from './mysql-errors.js';

export const mysqlDialect: StoreDialect = {
  name: 'mysql',
  maxParameters: 65_000,
  autoIncrementType: 'bigint',
  async createDialect(url, onConnectionError) {
    const mysql = await importDriver<typeof import('mysql2')>('mysql2', 'A mysql: database');
    const pool = mysql.createPool({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectTimeout: 5000,
      connectionLimit: 10,
      decimalNumbers: true,
    });
    // mysql2's pool listens for one 'error' of each connection only; a connection the server killed can
    // emit another, which unheard would crash the app. The failed query rejects on its own.
    pool.on('connection', (connection) => connection.on('error', onConnectionError));
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
  classifyError: mysqlErrorKind,
};
