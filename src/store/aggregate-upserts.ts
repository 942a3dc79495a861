import type { Kysely, Transaction } from 'kysely';
import type { BatchPlan, CounterRow } from './batch-plan.js';
import { TOTAL_COLUMN_TYPES, TOTALS_MERGE } from './bucket-totals.js';
import type { BulkColumn, BulkInsert } from './bulk-insert.js';
import type { StoreDialect } from './dialects/index.js';
import type { Database } from './tables.js';

/** The aggregate columns, in the order of the values `run` passes. */
const AGGREGATE_COLUMNS: readonly BulkColumn[] = [
  ['route_id', 'bigint'],
  ['bucket', 'bigint'],
  ...TOTAL_COLUMN_TYPES,
];
/** Adds a batch's plan (see planBatch) to the aggregates, the status counts and the histogram. */
export class AggregateUpserts {
  readonly #aggregates: BulkInsert;
  readonly #statusCounts: BulkInsert;
  readonly #histogram: BulkInsert;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    this.#aggregates = dialect.bulkInsert(db, 'aggregates', AGGREGATE_COLUMNS, (insert) =>
      dialect.upsert(insert, 'aggregates', ['route_id', 'bucket'], TOTALS_MERGE),
    );
    const counter = (table: 'status_counts' | 'histogram', slot: 'status_code' | 'bin') =>
      dialect.bulkInsert(
        db,
        table,
        [
          ['route_id', 'bigint'],
          ['bucket', 'bigint'],
          [slot, 'integer'],
          ['count', 'bigint'],
        ],
        (insert) => dialect.upsert(insert, table, ['route_id', 'bucket', slot], { count: 'add' }),
      );
    this.#statusCounts = counter('status_counts', 'status_code');
    this.#histogram = counter('histogram', 'bin');
  }

  /** Writes the plan's rows, `routeId` giving the id of a route key; returns how many. */
  async run(trx: Transaction<Database>, plan: BatchPlan, routeId: (key: string) => number): Promise<number> {
    await this.#aggregates.run(trx, plan.aggregates, (row) => [
      routeId(row.key),
      row.bucket,
      row.count,
      row.timeSum,
      row.timeMin,
      row.timeMax,
      row.queryCountSum,
      row.queryCountMax,
      row.queryTimeSum,
      row.queryTimeMax,
      row.queryRepeatMax,
      row.repeatedQuery,
      row.nPlusOneCount,
      row.memorySum,
      row.memoryMax,
    ]);
    const counterValues = (row: CounterRow) => [routeId(row.key), row.bucket, row.slot, row.count];
    await this.#statusCounts.run(trx, plan.statuses, counterValues);
    await this.#histogram.run(trx, plan.bins, counterValues);
    return plan.aggregates.length + plan.statuses.length + plan.bins.length;
  }
}
