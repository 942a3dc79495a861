import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * What requests are recorded into: the routes, their aggregates, status counts and histogram per time
 * bucket, and the access record of each request.
 */
export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  await createRoutes(db, context);
  await createAggregates(db, context);
  await createStatusCounts(db, context);
  await createHistogram(db, context);
  await createAccessRecords(db, context);
}

async function createRoutes(db: Kysely<any>, { dialect, name }: MigrationContext) {
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
}

async function createAggregates(db: Kysely<any>, { name }: MigrationContext) {
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
}

async function createStatusCounts(db: Kysely<any>, { name }: MigrationContext) {
  await db.schema
    .createTable('status_counts')
    .addColumn('route_id', 'bigint', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint(name('status_counts_pk'), ['route_id', 'bucket', 'status_code'])
    .execute();
}

async function createHistogram(db: Kysely<any>, { name }: MigrationContext) {
  await db.schema
    .createTable('histogram')
    .addColumn('route_id', 'bigint', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('bin', 'integer', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint(name('histogram_pk'), ['route_id', 'bucket', 'bin'])
    .execute();
}

async function createAccessRecords(db: Kysely<any>, { dialect, name }: MigrationContext) {
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
}
