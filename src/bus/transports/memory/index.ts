import { causeOf, type ErrorCause } from '../../../errors.js';
import { encodeRecord } from '../../../record/envelope.js';
import type { RequestMetrics } from '../../../record/metrics.js';
import { dsnInteger } from '../../dsn.js';
import { rejectUnknownOptions } from '../../dsn-options.js';
import type { ReceivedMessage, Transport, TransportStats } from '../../transport.js';

/**
 * The queue holds `maxQueue` messages already: the database is not keeping up. A send succeeds again
 * once the worker has stored some.
 */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/**
 * `memory://?batchSize=500&flushInterval=250&maxQueue=10000`: an in-process queue drained by a worker in
 * the same process. Not durable: what it holds dies with the process (close() drains it first). It holds
 * `maxQueue` messages at most, waiting and in the worker's hands together: when the database stops
 * answering, the app's memory must not grow with its traffic.
 */
export class MemoryTransport implements Transport {
  readonly description: string;
  readonly durable = false;
  readonly batchSize: number;
  readonly flushInterval: number;
  readonly maxQueue: number;
  #queue: ReceivedMessage[] = [];
  #inFlight = 0;
  #wake: (() => void) | undefined;

  constructor(dsn: URL) {
    rejectUnknownOptions(dsn, { known: ['batchSize', 'flushInterval', 'maxQueue'] });
    this.batchSize = dsnInteger(dsn, 'batchSize', 500);
    this.flushInterval = dsnInteger(dsn, 'flushInterval', 250);
    this.maxQueue = dsnInteger(dsn, 'maxQueue', 10_000);
    this.description = `memory://?batchSize=${this.batchSize}&flushInterval=${this.flushInterval}&maxQueue=${this.maxQueue}`;
  }

  async setup(): Promise<void> {}

  /** Messages it holds: waiting, and received by the worker but not yet acknowledged. */
  get held(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Messages from elsewhere (a test, a tool): the worker decodes and validates them. */
  async send(messages: readonly string[]): Promise<void> {
    this.#enqueue(messages.map((body) => ({ body, handle: undefined, redeliveries: 0 })));
  }

  /** The app's own records, as they are: no JSON on either side. */
  async sendRecords(records: readonly RequestMetrics[]): Promise<void> {
    this.#enqueue(records.map((record) => new LocalRecord(record)));
  }

  #enqueue(messages: ReceivedMessage[]) {
    if (this.held + messages.length > this.maxQueue) {
      throw new QueueFullError(
        `${this.description} is full (${this.held} messages held): the database is not keeping up`,
      );
    }
    for (const message of messages) this.#queue.push(message);
    if (this.#queue.length >= this.batchSize) this.#wake?.();
  }

  /** A batch once `batchSize` messages wait or `flushInterval` has passed since the first one came. */
  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    if (this.#queue.length < Math.min(max, this.batchSize)) {
      const deadline = this.#queue.length > 0 ? this.flushInterval : waitMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(deadline, waitMs));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    const taken = this.#queue.splice(0, max);
    this.#inFlight += taken.length;
    return taken;
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    this.#inFlight -= messages.length;
  }

  async release(messages: readonly ReceivedMessage[]): Promise<void> {
    this.#inFlight -= messages.length;
    this.#queue.unshift(...messages);
  }

  async stats(): Promise<TransportStats> {
    return { pending: this.#queue.length, inFlight: this.#inFlight };
  }

  /** A full queue is this transport's only error of its own; any other is the ground's to read. */
  causeOf(error: unknown): ErrorCause {
    return causeOf(error, (cause) => (cause instanceof QueueFullError ? 'overloaded' : undefined));
  }

  /** Wakes a waiting receive so that a stopping worker drains what is queued now. */
  async close(): Promise<void> {
    this.#wake?.();
  }
}

/**
 * A record of this process in the queue. Its JSON is made only if something reads `body`: the failure
 * store, for a record the database refused.
 */
class LocalRecord implements ReceivedMessage {
  readonly handle = undefined;
  readonly redeliveries = 0;
  constructor(readonly record: RequestMetrics) {}

  get body(): string {
    return encodeRecord(this.record);
  }
}
