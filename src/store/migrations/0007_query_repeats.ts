import type { Kysely } from 'kysely';

/**
 * N+1 detection: each access record keeps the largest number of times one SQL shape ran in its request and
 * that shape; each aggregate keeps the minute's largest repeat, its shape, and how many requests repeated a
 * shape more than `nPlusOneThreshold` times. Existing rows read as no repeat.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('aggregates')
    .addColumn('query_repeat_max', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('aggregates').addColumn('repeated_query', 'varchar(1000)').execute();
  await db.schema
    .alterTable('aggregates')
    .addColumn('n_plus_one_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('access_records').addColumn('query_repeat', 'integer').execute();
  await db.schema.alterTable('access_records').addColumn('repeated_query', 'varchar(1000)').execute();
}
