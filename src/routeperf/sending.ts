import { Producer } from '../bus/producer.js';
import type { Transport } from '../bus/transport.js';
import type { ErrorLog } from '../logger.js';
import type { RequestMetrics } from '../record/metrics.js';
import type { DirectWrites } from './direct-writes.js';
import type { Counting, StatsPart } from './stats.js';

export interface SendingOptions {
  transport: Transport;
  /** The transport as messages name it (password redacted). */
  transportName: string;
  /** Messages held in this process before `overflow` decides. */
  bufferSize: number;
  /** For an in-process transport: the messages it holds, which count against `bufferSize`. */
  heldByTransport?: () => number;
  overflow: 'store' | 'drop';
  /** Where the 'store' overflow and what close() could not send go. */
  directWrites: DirectWrites;
  logError: ErrorLog;
}

/**
 * The app's side of asynchronous mode: a Producer that sends metrics to the transport in batches. It
 * counts what it sent and what the 'drop' overflow dropped; its buffer is queued.
 */
export class Sending implements Counting {
  readonly #producer: Producer;
  #sent = 0;
  #dropped = 0;

  constructor({
    transport,
    transportName,
    bufferSize,
    heldByTransport,
    overflow,
    directWrites,
    logError,
  }: SendingOptions) {
    this.#producer = new Producer({
      transport,
      bufferSize,
      ...(heldByTransport ? { heldByTransport } : {}),
      overflow,
      storeDirectly: (batch) =>
        Promise.all(batch.map((metrics) => directWrites.storeUnlessBacklogged(metrics, bufferSize))).then(
          () => undefined,
        ),
      onDropped: (count) => {
        this.#dropped += count;
        logError('overflow', `routeperf's buffer is full; ${count} request(s) dropped (overflow: 'drop')`);
      },
      onSent: (count) => {
        this.#sent += count;
      },
      onSendError: (error) =>
        logError('send', `could not send metrics to ${transportName}; keeping them and retrying`, error),
    });
  }

  /** The recorder's sink: hands the metrics on and returns at once. */
  readonly sink = (metrics: RequestMetrics): undefined => {
    this.#producer.dispatch(metrics);
    return undefined;
  };

  stats(): StatsPart {
    return { sent: this.#sent, dropped: this.#dropped, queued: this.#producer.queued };
  }

  /** Sends what is buffered (waiting a while for the transport), then stores the rest directly. */
  close(): Promise<void> {
    return this.#producer.close();
  }
}
