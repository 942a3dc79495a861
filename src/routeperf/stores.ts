import { durationMs } from '../config/retention.js';
import type { ResolvedConfig } from '../config/types.js';
import type { ErrorLog } from '../logger.js';
import type { FailureLog } from '../store/failures.js';
import { type IngestThread, ingestThreadFor } from '../store/ingest-thread/index.js';
import type { Sink } from '../store/sink.js';
import { Store, type StoreOptions } from '../store/store.js';

/** The Store settings a configuration gives. */
export function storeOptionsOf(
  config: ResolvedConfig,
  onBackgroundError: (error: unknown) => void,
): StoreOptions {
  return {
    database: config.database,
    tablePrefix: config.tablePrefix,
    environment: config.environment,
    autoSetup: config.autoSetup,
    maxRoutes: config.maxRoutes,
    nPlusOneThreshold: config.nPlusOneThreshold,
    accessRecords: config.accessRecords,
    retention: {
      minutes: durationMs(config.retention.minutes),
      hours: durationMs(config.retention.hours),
      days: durationMs(config.retention.days),
    },
    dedupWindow: config.dedupWindow,
    onBackgroundError,
  };
}

/**
 * The store of the metrics, where the app's writes to it go, and the failure store (`failureTransport`)
 * of the messages a worker gave up on.
 */
export class Stores {
  readonly store: Store;
  /** The app's writes: a thread of their own for a SQLite file (see IngestThread), else the store. */
  readonly sink: Sink;
  readonly #thread: IngestThread | undefined;
  readonly #failureStore: Store;

  constructor(config: ResolvedConfig, { readOnly, logError }: { readOnly?: boolean; logError: ErrorLog }) {
    const options = {
      ...storeOptionsOf(config, (error) =>
        logError('store-background', 'routeperf database connection error', error),
      ),
      readOnly,
    };
    this.store = new Store(options);
    this.#thread = ingestThreadFor(this.store, options);
    this.sink = this.#thread ?? this.store;
    // Failed messages go to the store's database unless `failureTransport` names another one.
    this.#failureStore =
      config.failureTransport === 'database://default'
        ? this.store
        : new Store({ ...options, database: config.failureTransport });
  }

  /** Starts the SQLite thread, if any; settles once the sink takes writes without delay. */
  started(): Promise<void> {
    return this.#thread?.started() ?? Promise.resolve();
  }

  readonly failures = (): Promise<FailureLog> => this.#failureStore.failures();

  async close(): Promise<void> {
    await this.#thread?.close();
    await this.store.close();
    if (this.#failureStore !== this.store) await this.#failureStore.close();
  }
}
