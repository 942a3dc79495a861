import { MysqlDialect, sql } from 'kysely';
import { RouteperfError } from '../../errors.js';
import { ValuesInsert } from '../bulk-insert.js';
import type { ClaimMethod, StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';
import { mysqlErrorKind } from './mysql-errors.js';

export const mysqlDialect: StoreDialect = {
  name: 'mysql',
  maxParameters: 65_000,
  autoIncrementType: 'bigint',
  async createDialect(url, onConnectionError) {
    const mysql = await importDriver<typeof import('mysql2')>('mysql2', 'A mysql: database');
    const pool = mysql.createPool({
      uri: withoutRouteperfOptions(url).replace(/^mariadb:/, 'mysql:'),
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
    return new ValuesInsert(this.maxParameters, db, table, columns, finish);
  },
  insertIgnoringDuplicates: (insert) => insert.ignore(),
  async claimMethod(db, url) {
    const forced = returningOption(url);
    if (forced !== undefined) return forced;
    const { rows } = await sql<{ version: string }>`select version() as version`.execute(db);
    return claimMethodOf(rows[0]!.version);
  },
  classifyError: mysqlErrorKind,
};

/** The URL's query option routeperf reads itself: `returning=on|off` forces how ids are claimed. */
const RETURNING_OPTION = 'returning';

/**
 * `returning` as the URL sets it, or undefined to ask the server. `off` serves servers that misreport
 * what they are (proxies, MySQL-compatible databases); `on` spares the question.
 */
function returningOption(url: string): ClaimMethod | undefined {
  const value = new URL(url).searchParams.get(RETURNING_OPTION);
  if (value === null) return undefined;
  if (value === 'on') return 'returning';
  if (value === 'off') return 'claim-token';
  throw new RouteperfError(
    'ROUTEPERF_DATABASE_URL',
    `database: the "${RETURNING_OPTION}" option of a mysql: URL expects on or off, got ${JSON.stringify(value)}`,
  );
}

/** The URL without routeperf's own options, which mysql2 would warn about. */
function withoutRouteperfOptions(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has(RETURNING_OPTION)) return url;
  parsed.searchParams.delete(RETURNING_OPTION);
  return parsed.toString();
}

/**
 * MariaDB has `INSERT … RETURNING` from 10.5; MySQL (8.x) has none. `version()` is `10.11.6-MariaDB…` on
 * MariaDB and `8.0.36` on MySQL.
 */
export function claimMethodOf(version: string): ClaimMethod {
  const [, major, minor] = /^(\d+)\.(\d+)/.exec(version) ?? [];
  const mariadb = /mariadb/i.test(version);
  return mariadb && Number(major) * 1000 + Number(minor) >= 10_005 ? 'returning' : 'claim-token';
}
