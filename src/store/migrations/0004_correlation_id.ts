import type { Kysely } from 'kysely';

/**
 * `request_id` holds the message id routeperf makes; the client's request id header, which many requests
 * may share, is kept apart. Not indexed: no read of routeperf's looks requests up by it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_records').addColumn('correlation_id', 'varchar(128)').execute();
}
