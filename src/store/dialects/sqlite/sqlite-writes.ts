import type { DialectWrites } from '../dialect.js';
import { onConflictDoNothing, onConflictUpsert } from '../shared/on-conflict.js';
import { routeBucketsList } from '../shared/route-buckets.js';
import { ValuesInsert } from '../shared/values-insert.js';

/** Below SQLite's limit of 32,766 bound parameters per statement. */
const MAX_PARAMETERS = 32_000;

export const sqliteWrites: DialectWrites = {
  maxParameters: MAX_PARAMETERS,
  inRouteBuckets: routeBucketsList,
  upsert: (insert, table, key, merge) =>
    onConflictUpsert(insert, table, key, merge, { min: 'min', max: 'max' }),
  bulkInsert: (db, table, columns, finish) => new ValuesInsert(MAX_PARAMETERS, db, table, columns, finish),
  insertIgnoringDuplicates: onConflictDoNothing,
  claimMethod: async () => 'returning',
};
