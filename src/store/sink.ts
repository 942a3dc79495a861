import type { CompiledQuery, QueryResult } from 'kysely';
import type { ErrorCause } from '../errors.js';
import type { RequestMetrics } from '../record/metrics.js';

/**
 * What the store offers to the code that feeds it (the worker, sync mode): storing batches, the failure
 * store, worker heartbeats, and the reading of its own errors. The bus depends on this interface only,
 * never on the Store class or its tables.
 */
export interface Sink {
  /** The database with a redacted password, for messages. */
  readonly description: string;
  /** Writes one batch in one transaction. Throws when the database cannot take it (see causeOf). */
  ingest(batch: readonly RequestMetrics[], options?: IngestOptions): Promise<IngestSummary>;
  /** Where messages that cannot be stored go. */
  failures(): Promise<FailureSink>;
  /** Worker heartbeats and the stop-workers signal. */
  workers(): Promise<WorkerPresence>;
  /** What an error thrown by this sink means for the work that met it. */
  causeOf(error: unknown): ErrorCause;
  /**
   * Starts the upkeep that is due (rollups, retention) in the background, as writes do: a worker calls it
   * on its heartbeat too, so that an idle one keeps the store tidy. Never throws.
   */
  maintain(): void;
}

export interface IngestOptions {
  /**
   * Count each message id once, ever (within the ledger's window): ids already in the ledger are skipped,
   * and the new ones are added to it in the same transaction. For messages a transport may redeliver.
   */
  dedupe?: boolean;
  /**
   * More work for the same transaction, run after the batch's writes: a queue that lives in the store's
   * database deletes the batch's rows here, so that storing and acknowledging commit together.
   */
  inTransaction?: (transaction: SharedTransaction) => Promise<void>;
}

/**
 * The ingest transaction, lent for queries that must commit with it. They arrive compiled, with their
 * own table names: the store's table prefix is not applied to them.
 */
export interface SharedTransaction {
  executeQuery<Row>(query: CompiledQuery<Row>): Promise<QueryResult<Row>>;
}

export interface IngestSummary {
  /** Requests in the batch. */
  requests: number;
  /** Requests skipped because their message id was counted before. */
  duplicates: number;
  /** Distinct routes the batch touched. */
  routes: number;
  /** Rows upserted or inserted, all tables together. */
  rows: number;
}

/** A message a worker gave up on, as it is handed to the failure store. */
export interface NewFailedMessage {
  /** The message id (request id), when the message was readable enough to have one. */
  messageId: string | null;
  /** The message exactly as it was received. */
  body: string;
  /** Why it failed, last error first. */
  error: string;
  /** The transport it came from (redacted DSN). */
  transport: string;
  /** Deliveries tried before giving up. */
  attempts: number;
}

export interface FailureSink {
  add(messages: readonly NewFailedMessage[]): Promise<void>;
}

/** What a worker says about itself on every heartbeat. */
export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  transport: string;
  startedAt: number;
  lastBatchAt: number | null;
  handled: number;
  failed: number;
}

export interface WorkerPresence {
  beat(worker: WorkerHeartbeat): Promise<void>;
  /** The worker ended; it no longer counts as alive. */
  stopped(id: string): Promise<void>;
  /** When `routeperf stop-workers` last asked every worker to stop (ms epoch, 0 when never). */
  stopRequestedAt(): Promise<number>;
}
