import { causeOf, type ErrorCause } from '../../../errors.js';
import { dsnInteger } from '../../dsn.js';
import { rejectUnknownOptions } from '../../dsn-options.js';
import type { ReceivedMessage, Transport, TransportStats } from '../../transport.js';

/**
 * `memory://?batchSize=500&flushInterval=250&maxQueue=10000`: an in-process queue drained by a worker in
 * the same process. Not durable: what it holds dies with the process (close() drains it first). It holds
 * `maxQueue` messages at most, waiting and in the worker's hands together: when the database stops
 * answering, the app's memory must not grow with its traffic.
 */
export class MemoryTransport implements Transport {
  readonly description: string;
  readonly durable = false;

  causeOf(error: unknown): ErrorCause {
    return causeOf(error);
  }
  readonly batchSize: number;
  readonly flushInterval: number;
  readonly maxQueue: number;
  #queue: string[] = [];
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

  async send(messages: readonly string[]): Promise<void> {
    if (this.held + messages.length > this.maxQueue) {
      throw new Error(
        `${this.description} is full (${this.held} messages held): the database is not keeping up`,
      );
    }
    this.#queue.push(...messages);
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
    return taken.map((body) => ({ body, handle: undefined, redeliveries: 0 }));
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    this.#inFlight -= messages.length;
  }

  async release(messages: readonly ReceivedMessage[]): Promise<void> {
    this.#inFlight -= messages.length;
    this.#queue.unshift(...messages.map((message) => message.body));
  }

  async stats(): Promise<TransportStats> {
    return { pending: this.#queue.length, inFlight: this.#inFlight };
  }

  /** Wakes a waiting receive so that a stopping worker drains what is queued now. */
  async close(): Promise<void> {
    this.#wake?.();
  }
}
