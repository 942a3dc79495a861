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
import { waitingWhileBusy } from '../shared/lock-wait.js';

/**
 * Kysely's SQLite dialect, with three changes that matter once several connections share one file:
 *
 * - A statement that finds the write lock taken waits for it between timers (see waitingWhileBusy), not
 *   in SQLite's busy handler: better-sqlite3 runs that handler inside its synchronous call, freezing the
 *   event loop, and when the lock is held by another connection of the same thread (the app's store and a
 *   queue on one file, two stores) that connection's transaction cannot finish until the wait gives up.
 *   The connection is opened with `busy_timeout = 0` for this.
 * - Transactions start with `BEGIN IMMEDIATE`, taking the write lock up front and waiting for it. A plain
 *   `BEGIN` takes it at the first write; if another connection committed since this one first read,
 *   SQLite fails at once with SQLITE_BUSY_SNAPSHOT, which no wait can cure.
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
  #waiting?: DatabaseConnection;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.#waiting ??= {
      executeQuery: (query) => waitingWhileBusy(() => connection.executeQuery(query), isBusy),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    return this.#waiting;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** The lock is taken, or the WAL being recovered: both pass. A stale snapshot (SQLITE_BUSY_SNAPSHOT) never does. */
const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
};

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
