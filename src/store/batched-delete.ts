import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from './tables.js';

/** Rows one DELETE takes: a few thousand, so that no statement holds its locks for long. */
export const DELETE_BATCH = 5000;

/** A query that selects the ids of the next rows to delete, at most DELETE_BATCH of them. */
type NextBatch = () => Pick<SelectQueryBuilder<Database, any, { id: number }>, 'execute'>;

/**
 * Deletes from `table` the rows `nextBatch` selects, one statement per batch, until it selects none, and
 * tells `onBatch` how many have gone after each. Never one DELETE of everything: a purge of millions of
 * rows neither locks the table for minutes nor grows one huge transaction, and a purge stopped half way
 * has kept what it deleted, so running it again finishes it.
 */
export async function deleteInBatches(
  db: Kysely<Database>,
  table: 'access_records' | 'failed_messages',
  nextBatch: NextBatch,
  onBatch?: (deleted: number) => void,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const ids = (await nextBatch().execute()).map((row) => Number(row.id));
    if (ids.length === 0) return deleted;
    await db.deleteFrom(table).where('id', 'in', ids).execute();
    deleted += ids.length;
    onBatch?.(deleted);
  }
}
