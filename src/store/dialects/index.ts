import { redactDsn } from '../../dsn.js';
import { RouteperfError } from '../../errors.js';
import type { StoreDialect } from './dialect.js';
import { mysqlDialect } from './mysql/mysql-dialect.js';
import { postgresDialect } from './postgres/postgres-dialect.js';
import { sqliteDialect } from './sqlite/sqlite-dialect.js';

export type { StoreDialect } from './dialect.js';

/** Picks the dialect from the scheme of a database URL. */
export function dialectFor(url: string): StoreDialect {
  const scheme = /^([a-z0-9]+):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return sqliteDialect;
    case 'postgres':
    case 'postgresql':
      return postgresDialect;
    case 'mysql':
    case 'mariadb':
      return mysqlDialect;
    default:
      throw new RouteperfError(
        'ROUTEPERF_DATABASE_URL',
        `database: expected a URL starting with sqlite:, postgres://, postgresql://, mysql:// or mariadb://, got ${JSON.stringify(redactDsn(url))}`,
      );
  }
}
