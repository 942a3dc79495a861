import type { Compilable, InsertQueryBuilder, Transaction } from 'kysely';
import type { BulkColumn, Database } from './tables.js';

export type { BulkColumn };

/**
 * One INSERT (or upsert) of many rows, compiled once per store and run for every batch: the Ingestor's
 * hot statements. How the rows travel depends on the database (see `StoreDialect.bulkInsert`).
 */
export interface BulkInsert {
  /**
   * Writes `rows`; `values` gives a row's values in the order of the statement's columns. Returns what
   * RETURNING gave.
   */
  run<Row, Returned = unknown>(
    trx: Transaction<Database>,
    rows: readonly Row[],
    values: (row: Row) => readonly unknown[],
  ): Promise<Returned[]>;
}

/** What turns the plain insert into the statement wanted: an ON CONFLICT clause, RETURNING. */
export type FinishInsert = (insert: InsertQueryBuilder<Database, keyof Database, any>) => Compilable;
