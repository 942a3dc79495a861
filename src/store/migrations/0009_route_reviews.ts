import type { Kysely } from 'kysely';

/**
 * Route reviews, from the dashboard: when and by whom a route was reviewed, and whether its queries and
 * its time improved (null: not said). A route never reviewed has them all null.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('routes').addColumn('reviewed_at', 'bigint').execute();
  await db.schema.alterTable('routes').addColumn('reviewed_by', 'varchar(255)').execute();
  await db.schema.alterTable('routes').addColumn('queries_improved', 'integer').execute();
  await db.schema.alterTable('routes').addColumn('time_improved', 'integer').execute();
}
