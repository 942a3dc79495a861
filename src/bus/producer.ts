import { encodeRecord } from '../record/envelope.js';
import type { RequestMetrics } from '../record/metrics.js';
import type { Transport } from './transport.js';

export interface ProducerOptions {
  transport: Transport;
  /** Messages held while the transport cannot take them; past it, `overflow` decides. */
  bufferSize: number;
  /**
   * For an in-process transport: the messages it holds, not yet stored. They count against `bufferSize`,
   * so that the buffer and the transport together hold no more than that.
   */
  heldByTransport?: () => number;
  overflow: 'store' | 'drop';
  /** Writes metrics straight to the store (the 'store' overflow, and what close() could not send). */
  storeDirectly: (batch: RequestMetrics[]) => Promise<void>;
  /** Counts metrics dropped by the 'drop' overflow. */
  onDropped: (count: number) => void;
  onSent: (count: number) => void;
  /** A send failed; called at every failed attempt (the caller rate-limits the log). */
  onSendError: (error: unknown) => void;
}

/** Largest number of messages one send carries (one pipeline, one confirm round, one INSERT). */
const SEND_BATCH = 500;
/**
 * How long a send waits for more messages to join it, unless a full batch is there first. Under load
 * it turns one small send per turn of the event loop into one send per a few hundred requests; the
 * metrics reach the broker that much later, which nobody can notice.
 */
const LINGER_MS = 10;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;

/**
 * The app's side of asynchronous mode. `dispatch` only appends to a buffer and returns: nothing on the
 * request's path waits for the broker or can fail. The buffer is sent in batches, once `LINGER_MS` has
 * passed since the first message came or as soon as a full batch waits; while the broker is unreachable it is kept (bounded) and sent again with exponential backoff.
 */
export class Producer {
  #buffer: RequestMetrics[] = [];
  #sending = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #sendSoon: NodeJS.Immediate | undefined;
  #backoff = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #setup: Promise<void> | undefined;

  constructor(private readonly options: ProducerOptions) {}

  /** Messages waiting to be sent. */
  get queued(): number {
    return this.#buffer.length;
  }

  dispatch(metrics: RequestMetrics): void {
    if (this.#closed) {
      void this.options.storeDirectly([metrics]);
      return;
    }
    if (this.#buffer.length + (this.options.heldByTransport?.() ?? 0) >= this.options.bufferSize) {
      this.#overflow([metrics]);
      return;
    }
    this.#buffer.push(metrics);
    this.#schedule();
  }

  /** Sends what is buffered (waiting up to `deadlineMs` for the broker), then stores the rest directly. */
  async close(deadlineMs = 5000): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#lingerTimer);
    clearImmediate(this.#sendSoon);
    const deadline = Date.now() + deadlineMs;
    while (this.#buffer.length > 0 && Date.now() < deadline) {
      if (!(await this.#sendNext())) await new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS));
    }
    const rest = this.#buffer.splice(0);
    if (rest.length > 0) await this.options.storeDirectly(rest);
  }

  /** A send after `LINGER_MS`, or on the next turn of the event loop once a full batch waits. */
  #schedule() {
    if (this.#sending || this.#retryTimer || this.#closed || this.#sendSoon) return;
    if (this.#buffer.length >= SEND_BATCH) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
      this.#sendSoon = setImmediate(() => {
        this.#sendSoon = undefined;
        void this.#drain();
      });
      return;
    }
    this.#lingerTimer ??= setTimeout(() => {
      this.#lingerTimer = undefined;
      void this.#drain();
    }, LINGER_MS);
  }

  async #drain() {
    while (this.#buffer.length > 0 && !this.#closed) {
      if (await this.#sendNext()) {
        // What came during the send waits for its own linger, unless a full batch is there: sends stay
        // few and large under load, each a write the broker has to be woken for.
        if (this.#buffer.length >= SEND_BATCH) continue;
        if (this.#buffer.length > 0) this.#schedule();
        return;
      }
      this.#backoff = Math.min(MAX_BACKOFF_MS, this.#backoff ? this.#backoff * 2 : FIRST_BACKOFF_MS);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        void this.#drain();
      }, this.#backoff);
      this.#retryTimer.unref();
      return;
    }
  }

  /** Sends one batch from the front of the buffer; true when the transport took it. */
  async #sendNext(): Promise<boolean> {
    if (this.#sending) return false;
    this.#sending = true;
    const batch = this.#buffer.slice(0, SEND_BATCH);
    try {
      await this.#ensureSetup();
      const { transport } = this.options;
      await (transport.sendRecords ? transport.sendRecords(batch) : transport.send(batch.map(encodeRecord)));
      this.#buffer.splice(0, batch.length);
      this.#backoff = 0;
      this.options.onSent(batch.length);
      return true;
    } catch (error) {
      this.options.onSendError(error);
      return false;
    } finally {
      this.#sending = false;
    }
  }

  /** The transport's setup, once; tried again at the next send if it failed (broker down at start-up). */
  #ensureSetup(): Promise<void> {
    this.#setup ??= this.options.transport.setup().catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  #overflow(batch: RequestMetrics[]) {
    if (this.options.overflow === 'drop') this.options.onDropped(batch.length);
    else void this.options.storeDirectly(batch);
  }
}
