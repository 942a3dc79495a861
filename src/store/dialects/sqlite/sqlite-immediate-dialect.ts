import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Kysely's SQLite dialect, with two changes that matter once several processes share one file:
 *
 * - Transactions start with `BEGIN IMMEDIATE`, taking the write lock up front and waiting `busy_timeout`
 *   for it. A plain `BEGIN` takes it at the first write; if another connection committed since this one
 *   first read, SQLite fails at once with SQLITE_BUSY instead of waiting.
 * - Migrations run in such a transaction (SQLite's DDL is transactional; Kysely assumes it is not and
 *   takes no lock): two processes starting on a new file migrate one after the other, and a migration
 *   that fails halfway leaves nothing behind.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
