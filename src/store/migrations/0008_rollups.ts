import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * Rolled-up buckets at minute, hour, day and week resolution (see rollup.ts): totals and an encoded latency
 * histogram per route and bucket, and their status counts. The primary keys lead with the resolution and
 * the bucket, which every read and every deletion of expired buckets ranges over; a second index serves
 * the reads of one route.
 */
export async function up(db: Kysely<any>, { dialect, name }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('rollups')
    .addColumn('route_id', 'bigint', (c) => c.notNull())
    .addColumn('resolution', 'integer', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('time_sum', 'double precision', (c) => c.notNull())
    .addColumn('time_min', 'double precision', (c) => c.notNull())
    .addColumn('time_max', 'double precision', (c) => c.notNull())
    .addColumn('query_count_sum', 'bigint', (c) => c.notNull())
    .addColumn('query_count_max', 'integer', (c) => c.notNull())
    .addColumn('query_time_sum', 'double precision', (c) => c.notNull())
    .addColumn('query_time_max', 'double precision', (c) => c.notNull())
    .addColumn('query_repeat_max', 'integer', (c) => c.notNull())
    .addColumn('repeated_query', 'varchar(1000)')
    .addColumn('n_plus_one_count', 'bigint', (c) => c.notNull())
    .addColumn('memory_sum', 'double precision', (c) => c.notNull())
    .addColumn('memory_max', 'double precision', (c) => c.notNull())
    .addColumn('latency_bins', dialect.binaryType, (c) => c.notNull())
    .addPrimaryKeyConstraint(name('rollups_pk'), ['resolution', 'bucket', 'route_id'])
    .execute();
  await db.schema
    .createIndex(name('rollups_route'))
    .on('rollups')
    .columns(['route_id', 'resolution', 'bucket'])
    .execute();
  await db.schema
    .createTable('rollup_statuses')
    .addColumn('route_id', 'bigint', (c) => c.notNull())
    .addColumn('resolution', 'integer', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint(name('rollup_statuses_pk'), ['resolution', 'bucket', 'route_id', 'status_code'])
    .execute();
  await db.schema
    .createIndex(name('rollup_statuses_route'))
    .on('rollup_statuses')
    .columns(['route_id', 'resolution', 'bucket'])
    .execute();
}
