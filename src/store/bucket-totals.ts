import type { Merge } from './dialects/dialect.js';
import type { BucketTotals, BulkColumn } from './tables.js';

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

/** A bucket's totals as columns of a bulk insert, with the SQL types their values travel as. */
export const TOTAL_COLUMN_TYPES = [
  ['count', 'bigint'],
  ['time_sum', 'double precision'],
  ['time_min', 'double precision'],
  ['time_max', 'double precision'],
  ['query_count_sum', 'bigint'],
  ['query_count_max', 'integer'],
  ['query_time_sum', 'double precision'],
  ['query_time_max', 'double precision'],
  ['query_repeat_max', 'integer'],
  ['repeated_query', 'text'],
  ['n_plus_one_count', 'bigint'],
  ['memory_sum', 'double precision'],
  ['memory_max', 'double precision'],
] as const satisfies readonly (readonly [keyof BucketTotals, BulkColumn[1]])[];

/** The totals of a row as numbers (drivers return bigint columns as strings or bigints). */
export function totalsOf(row: BucketTotals): BucketTotals {
  const totals = {} as Record<keyof BucketTotals, unknown>;
  for (const column of TOTAL_COLUMNS) {
    totals[column] = column === 'repeated_query' ? row[column] : Number(row[column]);
  }
  return totals as BucketTotals;
}

/**
 * Adds `from` into `into`, as the SQL upserts would. The columns go in TOTALS_MERGE's order, in which a
 * column merged by another comes before it, so it reads that one's value before the merge.
 */
export function addTotals(into: BucketTotals, from: BucketTotals): void {
  const target = into as unknown as Record<keyof BucketTotals, unknown>;
  for (const column of TOTAL_COLUMNS) {
    const how = TOTALS_MERGE[column];
    const [stored, offered] = [into[column] as number, from[column] as number];
    if (typeof how === 'object') {
      const key = how.whenGreater as keyof BucketTotals;
      if ((from[key] as number) > (into[key] as number)) target[column] = from[column];
    } else
      target[column] =
        how === 'add'
          ? stored + offered
          : how === 'min'
            ? Math.min(stored, offered)
            : how === 'max'
              ? Math.max(stored, offered)
              : offered;
  }
}
