import type { RecordResult } from '../config/types.js';
import { GroupCommit, type WriteOutcome } from '../core/group-commit.js';
import { isOutageCause } from '../errors.js';
import type { ErrorLog } from '../logger.js';
import type { RequestMetrics } from '../record/metrics.js';
import type { Sink } from '../store/sink.js';
import type { Counting, StatsPart } from './stats.js';

export interface DirectWritesOptions {
  /** Longest a response waits for the commit that holds its metrics (ms). */
  syncTimeout: number;
  logError: ErrorLog;
  /** Told how each write fared: the app's `afterRecord`. */
  afterRecord: (result: RecordResult) => void;
}

const CLOSED: WriteOutcome = { stored: false, error: new Error('routeperf was closed') };

/**
 * Writes of single requests' metrics to the store in this process, grouped into shared transactions: all
 * of synchronous mode, and what asynchronous mode writes directly (the 'store' overflow, what close()
 * could not send). Counts what it stored and dropped; the writes in flight are queued.
 */
export class DirectWrites implements Counting {
  readonly #store: Pick<Sink, 'ingest' | 'description' | 'causeOf'>;
  readonly #options: DirectWritesOptions;
  readonly #groupCommit: GroupCommit;
  readonly #inFlight = new Set<Promise<void>>();
  #stored = 0;
  #dropped = 0;
  #closed = false;

  constructor(store: Pick<Sink, 'ingest' | 'description' | 'causeOf'>, options: DirectWritesOptions) {
    this.#store = store;
    this.#options = options;
    this.#groupCommit = new GroupCommit(
      (batch) => store.ingest(batch),
      (error) => isOutageCause(store.causeOf(error)),
    );
  }

  /** Writes one request's metrics; settles once stored or failed, never rejects. */
  storeDirectly(metrics: RequestMetrics): Promise<void> {
    const outcome = this.#closed ? Promise.resolve(CLOSED) : this.#groupCommit.submit(metrics);
    const write = outcome.then((outcome) => {
      if (outcome.stored) this.#stored += 1;
      else {
        this.#dropped += 1;
        this.#options.logError(
          'store',
          `could not store request metrics in ${this.#store.description}; the request was counted as dropped`,
          outcome.error,
        );
      }
      this.#options.afterRecord({ metrics, ...outcome });
    });
    this.#inFlight.add(write);
    write.finally(() => this.#inFlight.delete(write));
    return write;
  }

  /**
   * A direct write while fewer than `limit` wait. Past it the database is not keeping up, and holding
   * every request's metrics for it would make the app's memory grow with its traffic: the request is
   * dropped and counted instead.
   */
  storeUnlessBacklogged(metrics: RequestMetrics, limit: number): Promise<void> {
    if (this.#inFlight.size < limit) return this.storeDirectly(metrics);
    this.#dropped += 1;
    this.#options.logError(
      'overflow',
      `the database is not keeping up (${limit} direct writes waiting); request metrics dropped`,
    );
    return Promise.resolve();
  }

  /** Synchronous mode: the response waits for the commit that holds its metrics, at most `syncTimeout`. */
  storeBeforeResponse(metrics: RequestMetrics): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.syncTimeout);
      timer.unref();
    });
    return Promise.race([this.storeDirectly(metrics), budget]).finally(() => clearTimeout(timer));
  }

  stats(): StatsPart {
    return { stored: this.#stored, dropped: this.#dropped, queued: this.#inFlight.size };
  }

  /** Refuses new writes (each counted as dropped and logged) and waits for those in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
  }
}
