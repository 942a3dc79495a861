import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * One row per environment, locked while new routes of it are admitted, so that maxRoutes holds for the whole
 * store (see route-admission.ts).
 */
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('environments')
    .addColumn('environment', dialect.exactText(64), (c) => c.primaryKey())
    .addColumn('locked_at', 'bigint', (c) => c.notNull())
    .execute();
}
