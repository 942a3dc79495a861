import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * MySQL only: where the server has no INSERT … RETURNING, deduplicated inserts write a token with the ids
 * they claim and read back the ids holding it (see claim-insert.ts). The other databases return the ids
 * they added.
 */
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  if (dialect.name !== 'mysql') return;
  for (const table of ['processed_messages', 'access_records'])
    await db.schema.alterTable(table).addColumn('claim', 'bigint').execute();
}
