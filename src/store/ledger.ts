import type { Kysely, Transaction } from 'kysely';
import type { RequestMetrics } from '../record/metrics.js';
import type { BulkInsert } from './bulk-insert.js';
import { type ClaimInsert, claimInsert } from './claim-insert.js';
import type { ClaimMethod } from './dialects/dialect.js';
import type { StoreDialect } from './dialects/index.js';
import { ACCESS_RECORD_COLUMNS, type Database } from './tables.js';

export interface LedgerOptions {
  /** Write one access record per request. */
  accessRecords: boolean;
  /** Access records older than this (ms, by request time) are deleted; null keeps them. */
  accessRecordsRetention: number | null;
  /** How long (ms) a counted message id is remembered, for deduplication. */
  dedupWindow: number;
  /** How the server tells which ids an insert added (the dialect's `claimMethod`). */
  claimMethod: ClaimMethod;
}

/** The requests of a batch that count, and the access records written for them. */
export interface FreshRequests {
  fresh: readonly RequestMetrics[];
  records: number;
}

/**
 * Writes a batch's access records and, when asked to deduplicate, tells which of its requests were not
 * counted before: by the ledger of message ids, or by the access records' unique request id (see
 * #byLedger).
 */
export class Ledger {
  /** Access records, skipping request ids already stored. */
  readonly #records: BulkInsert;
  /** The same, telling the request ids it added: the ledger when access records are it. */
  readonly #recordClaims: ClaimInsert;
  /** The ledger: adds message ids, skipping those in it, telling those it added. */
  readonly #messageClaims: ClaimInsert;

  constructor(
    db: Kysely<Database>,
    dialect: StoreDialect,
    private readonly options: LedgerOptions,
  ) {
    this.#records = dialect.bulkInsert(db, 'access_records', ACCESS_RECORD_COLUMNS, (insert) =>
      dialect.insertIgnoringDuplicates(insert, ['request_id']),
    );
    const { claimMethod } = options;
    this.#recordClaims = claimInsert(
      claimMethod,
      dialect,
      db,
      'access_records',
      ACCESS_RECORD_COLUMNS,
      'request_id',
    );
    const ledgerColumns = [
      ['message_id', 'text'],
      ['processed_at', 'bigint'],
    ] as const;
    this.#messageClaims = claimInsert(
      claimMethod,
      dialect,
      db,
      'processed_messages',
      ledgerColumns,
      'message_id',
    );
  }

  /** `recordValues` gives a request's access record (see accessRecordValues). */
  async fresh(
    trx: Transaction<Database>,
    batch: readonly RequestMetrics[],
    recordValues: (m: RequestMetrics) => unknown[],
    dedupe: boolean,
  ): Promise<FreshRequests> {
    const { accessRecords } = this.options;
    if (!dedupe) {
      if (accessRecords) await this.#records.run(trx, batch, recordValues);
      return { fresh: batch, records: accessRecords ? batch.length : 0 };
    }
    const now = Date.now();
    const { viaRecords, viaLedger } = this.#byLedger(batch, now);
    const claimed = await firstTimeOnly(viaLedger, (firsts) =>
      this.#messageClaims.run(trx, firsts, (m) => [m.id, now]),
    );
    const recorded = await firstTimeOnly(viaRecords, (firsts) =>
      this.#recordClaims.run(trx, firsts, recordValues),
    );
    if (accessRecords) await this.#records.run(trx, claimed, recordValues);
    const fresh = claimed.concat(recorded);
    return { fresh, records: accessRecords ? fresh.length : 0 };
  }

  /**
   * Which ledger tells whether each message was counted before. The access records, whose request id is
   * unique, when they are written and a message's record outlives the deduplication window — it is
   * deleted `accessRecordsRetention` after the request's time, so a message delivered late (a backlog)
   * may not qualify. The others go through `processed_messages`, remembered `dedupWindow` after handling.
   * With access records on, a message then costs one insert, not one into each table.
   */
  #byLedger(batch: readonly RequestMetrics[], now: number) {
    const { accessRecords, accessRecordsRetention, dedupWindow } = this.options;
    if (!accessRecords) return { viaRecords: [], viaLedger: batch };
    if (accessRecordsRetention === null) return { viaRecords: batch, viaLedger: [] };
    const oldest = now - accessRecordsRetention + dedupWindow;
    const viaRecords: RequestMetrics[] = [];
    const viaLedger: RequestMetrics[] = [];
    for (const m of batch) (m.ts >= oldest ? viaRecords : viaLedger).push(m);
    return { viaRecords, viaLedger };
  }
}

/**
 * The metrics whose id `insert` added to a table keyed by it (the ledger, or the access records), and only
 * the first of an id repeated within the batch. The insert skips existing ids and returns the ones it
 * added: a worker inserting the same id at the same moment waits for the other's commit and then skips it,
 * so a message stored by two workers at once still counts once.
 */
async function firstTimeOnly(
  batch: readonly RequestMetrics[],
  insert: (firsts: RequestMetrics[]) => Promise<Set<string>>,
): Promise<RequestMetrics[]> {
  if (batch.length === 0) return [];
  const seen = new Set<string>();
  const firsts = batch.filter((m) => !seen.has(m.id) && seen.add(m.id));
  const added = await insert(firsts);
  return firsts.filter((m) => added.has(m.id));
}
