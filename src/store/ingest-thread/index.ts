import { Worker } from 'node:worker_threads';
import type { ErrorCause } from '../../errors.js';
import type { RequestMetrics } from '../../record/metrics.js';
import type { FailureLog } from '../failures.js';
import type { IngestOptions, IngestSummary, Sink } from '../sink.js';
import type { Store, StoreOptions } from '../store.js';
import type { WorkerRegistry } from '../workers.js';
import { errorOf, IngestThreadError, type ThreadReply, type ThreadRequest } from './messages.js';
import { threadScript } from './script.js';

/**
 * The thread for an app's writes to `store`: one for a SQLite file; none otherwise, and the store takes
 * them itself (a server database does its work in its own process, and an in-memory SQLite database
 * exists only on the connection that made it).
 */
export function ingestThreadFor(store: Store, options: StoreOptions): IngestThread | undefined {
  const threaded = store.dialect.name === 'sqlite' && store.location !== ':memory:' && !options.readOnly;
  return threaded ? new IngestThread(store, options) : undefined;
}

interface Pending {
  resolve(summary: IngestSummary | undefined): void;
  reject(error: Error): void;
}

/**
 * The app's writes to a SQLite file, made by a thread of their own. better-sqlite3 is synchronous: on the
 * app's thread every commit would stop the event loop, and with it every request in flight. The thread
 * opens its own connection to the same file (WAL: the app's thread keeps reading through its Store) and
 * the app's thread only hands it batches — a structured clone of the records — and awaits its commit.
 *
 * The thread starts at `started()`, which settles once it has loaded its module (one bundled file, about
 * a tenth of a second): createRouteperf calls it when the app stores its requests itself, so that no
 * response of synchronous mode waits for that; otherwise it starts at the first write. It opens the
 * database at the first write.
 * It holds the process open only while a write is in flight, so an app that never closes routeperf still
 * exits; close() waits for what was handed to it.
 */
export class IngestThread implements Sink {
  readonly #store: Store;
  readonly #options: StoreOptions;
  #worker: Worker | undefined;
  /** Settles once the thread that runs now is ready for work, or has failed to start. */
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  /** `store` is the app's thread's own Store on the same file: it reads, and keeps the failure log. */
  constructor(store: Store, options: StoreOptions) {
    this.#store = store;
    this.#options = options;
  }

  /**
   * Starts the thread if it is not running; settles once it is ready for work, or could not start (its
   * writes then fail as an outage).
   */
  started(): Promise<void> {
    this.#running();
    return this.#ready!;
  }

  get description(): string {
    return this.#store.description;
  }

  /**
   * One batch in one transaction, in the thread. Work that must commit in the same transaction (a queue in
   * this database) cannot cross to the thread: such a batch is written here.
   */
  async ingest(batch: readonly RequestMetrics[], options?: IngestOptions): Promise<IngestSummary> {
    if (options?.inTransaction) return this.#store.ingest(batch, options);
    const summary = await this.#ask((id) => ({
      kind: 'ingest',
      id,
      batch,
      dedupe: options?.dedupe === true,
    }));
    return summary!;
  }

  failures(): Promise<FailureLog> {
    return this.#store.failures();
  }

  workers(): Promise<WorkerRegistry> {
    return this.#store.workers();
  }

  causeOf(error: unknown): ErrorCause {
    return error instanceof IngestThreadError ? error.storeCause : this.#store.causeOf(error);
  }

  maintain(): void {
    this.#running().postMessage({ kind: 'maintain' } satisfies ThreadRequest);
  }

  /** Lets the thread finish the writes handed to it and close its connection, then waits for it to end. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const ended = new Promise((resolve) => worker.once('exit', resolve));
    await this.#ask((id) => ({ kind: 'close', id })).catch(() => {});
    // Held until it has ended: with nothing else left to do, the process would otherwise exit first.
    worker.ref();
    await ended;
  }

  #ask(request: (id: number) => ThreadRequest): Promise<IngestSummary | undefined> {
    const id = this.#nextId++;
    const worker = this.#running();
    return new Promise((resolve, reject) => {
      // Before anything is pending: a batch that cannot be cloned (an app's hook put a function in it) throws here.
      worker.postMessage(request(id));
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) worker.ref();
    });
  }

  /** The thread that runs now, started if there is none. */
  #running(): Worker {
    if (this.#worker) return this.#worker;
    const { onBackgroundError, ...options } = this.#options;
    const { script, options: scriptOptions } = threadScript();
    // None of the app's own flags: the thread needs none, and some (--input-type) would stop it starting.
    const worker = new Worker(script, { ...scriptOptions, execArgv: [], workerData: options });
    worker.unref();
    let ready = () => {};
    this.#ready = new Promise((resolve) => {
      ready = resolve;
    });
    worker.on('message', (reply: ThreadReply) => {
      if (reply.kind === 'ready') ready();
      else if (reply.kind === 'background-error') onBackgroundError(errorOf(reply.failure));
      else this.#settle(reply);
    });
    worker.on('error', (error) => {
      ready();
      this.#stopped(worker, error);
    });
    worker.on('exit', (code) => {
      ready();
      this.#stopped(worker, new Error(`it exited with code ${code}`));
    });
    this.#worker = worker;
    return worker;
  }

  #settle({ id, summary, failure }: Extract<ThreadReply, { kind: 'done' }>) {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
    if (failure) pending?.reject(errorOf(failure));
    else pending?.resolve(summary);
  }

  /**
   * The thread is gone (it crashed, or close() ended it): what it had not answered failed as an outage,
   * so that it is retried (the in-process worker) or counted (synchronous mode), and the next write
   * starts a new thread.
   */
  #stopped(worker: Worker, error: Error) {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const failure = new IngestThreadError({
      name: 'IngestThreadError',
      message: `routeperf's SQLite thread stopped: ${error.message}`,
      stack: error.stack,
      code: undefined,
      cause: 'unreachable',
    });
    for (const pending of this.#pending.values()) pending.reject(failure);
    this.#pending.clear();
  }
}
