import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * What the dashboard reads fast:
 * - each rolled-up bucket's p50, p90, p95 and p99 as latency bins (see histogram.ts). A window's percentile
 *   lies between the least and the greatest of its buckets', so sorting routes by a percentile reads the
 *   histograms of the routes that can reach the page only. Buckets rolled up before keep them null: their
 *   routes are read in full;
 * - the slowest requests of a route, walked from an index rather than sorted from all of its records.
 */
export async function up(db: Kysely<any>, { name }: MigrationContext): Promise<void> {
  for (const column of ['p50_bin', 'p90_bin', 'p95_bin', 'p99_bin']) {
    await db.schema.alterTable('rollups').addColumn(column, 'integer').execute();
  }
  await db.schema
    .createIndex(name('access_records_slowest'))
    .on('access_records')
    .columns(['route_id', 'request_time', 'id'])
    .execute();
}
