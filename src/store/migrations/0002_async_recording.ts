import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/** What asynchronous recording keeps: the deduplication ledger, the failure store, workers and control. */
export async function up(db: Kysely<any>, { dialect, name }: MigrationContext): Promise<void> {
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
}
