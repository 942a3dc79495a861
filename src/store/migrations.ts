import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { StoreDialect } from './dialects/index.js';

/**
 * The schema, one migration per change. Migrations only ever get appended: a released one is never edited,
 * so `routeperf migrate` can upgrade any older schema in place.
 */
function migrations(dialect: StoreDialect, prefix: string): Record<string, Migration> {
  const name = (suffix: string) => `${prefix}${suffix}`;
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('routes')
          .addColumn('id', dialect.autoIncrementType, dialect.autoIncrement)
          .addColumn('environment', dialect.exactText(64), (c) => c.notNull())
          .addColumn('method', dialect.exactText(16), (c) => c.notNull())
          .addColumn('route', dialect.exactText(600), (c) => c.notNull())
          .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('last_accessed_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint(name('routes_identity'), ['environment', 'method', 'route'])
          .execute();

        await db.schema
          .createTable('aggregates')
          .addColumn('route_id', 'bigint', (c) => c.notNull())
          .addColumn('bucket', 'bigint', (c) => c.notNull())
          .addColumn('count', 'bigint', (c) => c.notNull())
          .addColumn('time_sum', 'double precision', (c) => c.notNull())
          .addColumn('time_min', 'double precision', (c) => c.notNull())
          .addColumn('time_max', 'double precision', (c) => c.notNull())
          .addColumn('query_count_sum', 'bigint', (c) => c.notNull())
          .addColumn('query_count_max', 'integer', (c) => c.notNull())
          .addColumn('query_time_sum', 'double precision', (c) => c.notNull())
          .addColumn('query_time_max', 'double precision', (c) => c.notNull())
          .addColumn('memory_sum', 'double precision', (c) => c.notNull())
          .addColumn('memory_max', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint(name('aggregates_pk'), ['route_id', 'bucket'])
          .execute();
        await db.schema.createIndex(name('aggregates_bucket')).on('aggregates').column('bucket').execute();

        await db.schema
          .createTable('status_counts')
          .addColumn('route_id', 'bigint', (c) => c.notNull())
          .addColumn('bucket', 'bigint', (c) => c.notNull())
          .addColumn('status_code', 'integer', (c) => c.notNull())
          .addColumn('count', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(name('status_counts_pk'), ['route_id', 'bucket', 'status_code'])
          .execute();

        await db.schema
          .createTable('histogram')
          .addColumn('route_id', 'bigint', (c) => c.notNull())
          .addColumn('bucket', 'bigint', (c) => c.notNull())
          .addColumn('bin', 'integer', (c) => c.notNull())
          .addColumn('count', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(name('histogram_pk'), ['route_id', 'bucket', 'bin'])
          .execute();

        await db.schema
          .createTable('access_records')
          .addColumn('id', dialect.autoIncrementType, dialect.autoIncrement)
          .addColumn('request_id', dialect.exactText(128), (c) => c.notNull())
          .addColumn('route_id', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('status_code', 'integer', (c) => c.notNull())
          .addColumn('request_time', 'double precision', (c) => c.notNull())
          .addColumn('query_count', 'integer', (c) => c.notNull())
          .addColumn('query_time', 'double precision', (c) => c.notNull())
          .addColumn('memory', 'double precision', (c) => c.notNull())
          .addColumn('path', 'varchar(2048)')
          .addColumn('referer', 'varchar(2048)')
          .addColumn('user_id', 'varchar(255)')
          .addUniqueConstraint(name('access_records_request'), ['request_id'])
          .execute();
        await db.schema
          .createIndex(name('access_records_route_time'))
          .on('access_records')
          .columns(['route_id', 'created_at'])
          .execute();
        await db.schema
          .createIndex(name('access_records_time'))
          .on('access_records')
          .column('created_at')
          .execute();
      },
    },
    '0002_async_recording': {
      async up(db: Kysely<any>) {
        // The deduplication ledger: ids of the messages already counted, written in the same transaction.
        await db.schema
          .createTable('processed_messages')
          .addColumn('message_id', dialect.exactText(128), (c) => c.primaryKey())
          .addColumn('processed_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex(name('processed_messages_time'))
          .on('processed_messages')
          .column('processed_at')
          .execute();

        await db.schema
          .createTable('failed_messages')
          .addColumn('id', dialect.autoIncrementType, dialect.autoIncrement)
          .addColumn('message_id', 'varchar(128)')
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('error', 'text', (c) => c.notNull())
          .addColumn('transport', 'varchar(512)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('failed_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('workers')
          .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
          .addColumn('host', 'varchar(255)', (c) => c.notNull())
          .addColumn('pid', 'integer', (c) => c.notNull())
          .addColumn('transport', 'varchar(512)', (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
          .addColumn('last_batch_at', 'bigint')
          .addColumn('handled', 'bigint', (c) => c.notNull())
          .addColumn('failed', 'bigint', (c) => c.notNull())
          .addColumn('stopped_at', 'bigint')
          .execute();

        // Named values shared by every process: `stop_workers_at`, set by `routeperf stop-workers`.
        await db.schema
          .createTable('control')
          .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('value', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003_ledger_speed': {
      // PostgreSQL only: MariaDB's exact-text columns are binary already, SQLite's are by default.
      async up(db: Kysely<any>) {
        if (dialect.name !== 'postgres') return;
        // Ids compared byte by byte ("C"): a locale's collation costs every index probe of the ledger and
        // the access records' unique request id, and ids have no alphabetical order worth having.
        for (const [table, column] of [
          ['processed_messages', 'message_id'],
          ['access_records', 'request_id'],
        ]) {
          await db.schema
            .alterTable(table!)
            .alterColumn(column!, (c) => c.setDataType(sql`varchar(128) collate "C"`))
            .execute();
        }
        // The ledger's time only grows and is only read to prune: a BRIN index is a fraction of a B-tree's
        // cost on every insert.
        await db.schema.dropIndex(name('processed_messages_time')).execute();
        await db.schema
          .createIndex(name('processed_messages_time'))
          .on('processed_messages')
          .using('brin')
          .column('processed_at')
          .execute();
      },
    },
    '0004_correlation_id': {
      // `request_id` holds the message id routeperf makes; the client's request id header, which many
      // requests may share, is kept apart. Not indexed: no read of routeperf's looks requests up by it.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('access_records').addColumn('correlation_id', 'varchar(128)').execute();
      },
    },
    '0005_environments': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('environments')
          .addColumn('environment', dialect.exactText(64), (c) => c.primaryKey())
          .addColumn('locked_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0006_claim_tokens': {
      // MySQL only: where the server has no INSERT … RETURNING, deduplicated inserts write a token with the
      // ids they claim and read back the ids holding it (see claim-insert.ts). The other databases return
      // the ids they added.
      async up(db: Kysely<any>) {
        if (dialect.name !== 'mysql') return;
        for (const table of ['processed_messages', 'access_records'])
          await db.schema.alterTable(table).addColumn('claim', 'bigint').execute();
      },
    },
  };
}

/** Kysely's bookkeeping tables, under the same prefix as routeperf's own. */
export function migrationTables(prefix: string) {
  return { migrationTableName: `${prefix}migrations`, migrationLockTableName: `${prefix}migrations_lock` };
}

/**
 * Kysely's Migrator over routeperf's migrations. `db`'s introspector must look up only the bookkeeping
 * tables (see named-tables-introspector.ts): the Migrator asks it whether they exist.
 */
export function createMigrator(db: Kysely<any>, dialect: StoreDialect, prefix: string): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect, prefix) };
  return new Migrator({ db, provider, ...migrationTables(prefix) });
}
