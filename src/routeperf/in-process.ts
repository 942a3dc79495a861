import type { MemoryTransport } from '../bus/transports/memory/index.js';
import { startWorker, type Worker } from '../bus/worker/index.js';
import type { RetryOptions } from '../config/retry.js';
import type { ErrorLog, Logger } from '../logger.js';
import type { FailureLog } from '../store/failures.js';
import type { Sink } from '../store/sink.js';
import { Sending, type SendingOptions } from './sending.js';
import type { Counting, StatsPart } from './stats.js';

/** The worker's store and settings, and the producer's (its buffer is the transport's `maxQueue`). */
export interface InProcessOptions
  extends Omit<SendingOptions, 'transport' | 'bufferSize' | 'heldByTransport'> {
  /** Where the worker stores what it receives. */
  sink: Sink;
  failures: () => Promise<FailureLog>;
  retry: RetryOptions;
  logger: Logger;
}

/** Longest close() waits for the in-process worker to store what is queued. */
const CLOSE_DEADLINE_MS = 10_000;

/**
 * memory://: a producer and a worker in the same process, the worker storing what the producer sends.
 * What it sends is not sent anywhere: it is queued until the worker has stored it (or given up on it).
 */
export class InProcess implements Counting {
  readonly flushesOnExit = true;
  readonly storesHere = true;
  readonly #transport: MemoryTransport;
  readonly #sending: Sending;
  readonly #worker: Worker;
  readonly #logError: ErrorLog;
  /** Messages the worker could not store before close() gave up on them. */
  #abandoned = 0;

  constructor(transport: MemoryTransport, { sink, failures, retry, logger, ...sending }: InProcessOptions) {
    this.#transport = transport;
    this.#logError = sending.logError;
    this.#sending = new Sending({
      ...sending,
      transport,
      bufferSize: transport.maxQueue,
      heldByTransport: () => transport.held,
    });
    this.#worker = startWorker({
      transport,
      sink,
      batchSize: transport.batchSize,
      sleep: transport.flushInterval,
      retry,
      logger,
      failures,
    });
    // A worker that stops on an error has logged it, and close() counts what it left as dropped; its
    // rejection must not reach the app as an unhandled one.
    this.#worker.done.catch(() => {});
  }

  get sink() {
    return this.#sending.sink;
  }

  stats(): StatsPart {
    const producer = this.#sending.stats();
    const worker = this.#worker.counts();
    const inTransport = (producer.sent ?? 0) - worker.handled - worker.failed - this.#abandoned;
    return {
      stored: worker.handled,
      dropped: (producer.dropped ?? 0) + this.#abandoned,
      queued: (producer.queued ?? 0) + inTransport,
    };
  }

  /** Sends what the producer holds, lets the worker store it (up to a deadline), then stops the worker. */
  async close(): Promise<void> {
    await this.#sending.close();
    await waitUntilDrained(this.#transport, CLOSE_DEADLINE_MS);
    this.#worker.stop();
    await this.#worker.done.catch(() => {});
    const { pending, inFlight } = await this.#transport.stats();
    if (pending + inFlight > 0) {
      this.#abandoned = pending + inFlight;
      this.#logError(
        'close',
        `routeperf closed with ${this.#abandoned} request(s) not stored: the database did not take them in time`,
      );
    }
    await this.#transport.close();
  }
}

/** Waits until the in-process worker has stored every queued message, or the deadline passes. */
async function waitUntilDrained(transport: MemoryTransport, deadlineMs: number) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const { pending, inFlight } = await transport.stats();
    if (pending === 0 && inFlight === 0) return;
    await transport.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
