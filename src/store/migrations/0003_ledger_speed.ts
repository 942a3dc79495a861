import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './context.js';

/** PostgreSQL only: MariaDB's exact-text columns are binary already, SQLite's are by default. */
export async function up(db: Kysely<any>, { dialect, name }: MigrationContext): Promise<void> {
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
}
