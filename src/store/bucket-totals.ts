import type { Merge } from './dialects/dialect.js';
import type { BucketTotals } from './tables.js';

/**
 * How each total of a bucket merges with another's: in SQL when ingestion and the rollup upsert a bucket,
 * and in `addTotals` when the rollup sums rows in memory, so both follow one table.
 */
export const TOTALS_MERGE: Readonly<Record<keyof BucketTotals, Merge>> = {
  count: 'add',
  time_sum: 'add',
  time_min: 'min',
  time_max: 'max',
  query_count_sum: 'add',
  query_count_max: 'max',
  query_time_sum: 'add',
  query_time_max: 'max',
  // Before query_repeat_max: MySQL's ON DUPLICATE KEY UPDATE assigns left to right, and a later
  // assignment reads the columns the earlier ones set.
  repeated_query: { whenGreater: 'query_repeat_max' },
  query_repeat_max: 'max',
  n_plus_one_count: 'add',
  memory_sum: 'add',
  memory_max: 'max',
};

const TOTAL_COLUMNS = Object.keys(TOTALS_MERGE) as (keyof BucketTotals)[];

/** The totals of a row as numbers (drivers return bigint columns as strings or bigints). */
export function totalsOf(row: BucketTotals): BucketTotals {
  const totals = {} as Record<keyof BucketTotals, unknown>;
  for (const column of TOTAL_COLUMNS) {
    totals[column] = column === 'repeated_query' ? row[column] : Number(row[column]);
  }
  return totals as BucketTotals;
}

/** Adds `from` into `into`, as the SQL upserts would. */
export function addTotals(into: BucketTotals, from: BucketTotals): void {
  const merged = { ...into } as Record<keyof BucketTotals, unknown>;
  for (const column of TOTAL_COLUMNS) {
    const how = TOTALS_MERGE[column];
    const [stored, offered] = [into[column] as number, from[column] as number];
    if (typeof how === 'object') {
      const key = how.whenGreater as keyof BucketTotals;
      if ((from[key] as number) > (into[key] as number)) merged[column] = from[column];
    } else
      merged[column] =
        how === 'add'
          ? stored + offered
          : how === 'min'
            ? Math.min(stored, offered)
            : how === 'max'
              ? Math.max(stored, offered)
              : offered;
  }
  Object.assign(into, merged);
}
