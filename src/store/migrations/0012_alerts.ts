import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * What alerts keep: each rule's state per subject (so that a restart neither sends again nor forgets),
 * every message sent or failed (`routeperf alerts list`), and leases (one evaluator among the workers).
 */
export async function up(db: Kysely<any>, { dialect, name }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('alert_states')
    // A digest of rule, environment and subject: rule names and routes are too long for one key on MySQL.
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('rule', 'varchar(255)', (c) => c.notNull())
    .addColumn('environment', 'varchar(64)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)')
    .addColumn('route', dialect.exactText(600))
    .addColumn('matching', 'integer', (c) => c.notNull())
    .addColumn('notified', 'varchar(16)')
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('since', 'bigint')
    .addColumn('last_sent_at', 'bigint')
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', dialect.autoIncrementType, dialect.autoIncrement)
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('rule', 'varchar(255)', (c) => c.notNull())
    .addColumn('environment', 'varchar(64)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)')
    .addColumn('route', dialect.exactText(600))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('is_repeat', 'integer', (c) => c.notNull())
    .addColumn('channel', 'varchar(255)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex(name('alert_deliveries_time'))
    .on('alert_deliveries')
    .column('sent_at')
    .execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(128)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
