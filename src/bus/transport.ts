import type { ErrorCause } from '../errors.js';
import type { RequestMetrics } from '../record/metrics.js';
import type { SharedTransaction } from '../store/sink.js';

/**
 * A message transport: where asynchronous mode's messages wait between the app and a worker. One folder
 * per implementation under `bus/transports/`; the producer loop, the worker loop, retries and batching live
 * once in `bus/` and only call these few methods.
 *
 * Delivery is at-least-once on durable transports: a message received but not acknowledged (the worker
 * crashed) is delivered again, to this or another worker. Ingestion is idempotent by message id, so a
 * redelivered message never counts twice.
 */
export interface Transport {
  /** For logs and `diagnose`, password redacted: `redis://127.0.0.1:6379/routeperf`. */
  readonly description: string;
  /** False for in-process transports whose messages die with the process. */
  readonly durable: boolean;
  /** Creates what the transport needs (queue, stream and group, table); safe to call again. */
  setup(): Promise<void>;
  /** Hands messages to the broker; resolves once it has them (publisher confirm, commit, XADD reply). */
  send(messages: readonly string[]): Promise<void>;
  /**
   * Only for a transport inside this process: takes the records themselves. What this process made is
   * neither encoded to JSON nor, on the worker's side, decoded and validated again.
   */
  sendRecords?(records: readonly RequestMetrics[]): Promise<void>;
  /**
   * Up to `max` messages, waiting at most `waitMs` for the first one; [] when there is none. Messages
   * abandoned by crashed consumers are taken over here, once their redelivery timeout has passed.
   */
  receive(max: number, waitMs: number): Promise<ReceivedMessage[]>;
  /** The messages are handled for good (stored, or moved to the failure store): never deliver them again. */
  ack(messages: readonly ReceivedMessage[]): Promise<void>;
  /**
   * Only for a queue in the store's own database: the acknowledgement of `messages` as work for the store's
   * ingest transaction, so that storing and acknowledging commit together. Undefined when the queue is
   * elsewhere; `ack` is then called after the commit.
   */
  acknowledgeInStore?(
    messages: readonly ReceivedMessage[],
  ): ((transaction: SharedTransaction) => Promise<void>) | undefined;
  /** The messages were not handled: make them available again (now, or after the redelivery timeout). */
  release(messages: readonly ReceivedMessage[]): Promise<void>;
  /** Messages waiting, and messages received but not yet acknowledged. */
  stats(): Promise<TransportStats>;
  /**
   * What an error this transport threw means (see ErrorCause). `unreachable`, `overloaded` and `readOnly`
   * are outages: the worker keeps the batch in hand and tries again with backoff, failing nothing. Any
   * other cause from `receive`, `ack` or `release` stops the worker, since it is not one message's fault.
   */
  causeOf(error: unknown): ErrorCause;
  /** Stops receiving and releases connections; messages received and not acknowledged are redelivered later. */
  close(): Promise<void>;
}

export interface ReceivedMessage {
  /** The message as it was sent. */
  readonly body: string;
  /** The record itself, for a message that never left this process (`sendRecords`): nothing to decode. */
  readonly record?: RequestMetrics;
  /** What the transport needs to acknowledge it: a stream entry id, a delivery tag, a row id. */
  readonly handle: unknown;
  /** How many times it was delivered before this time, when the transport knows (else 0). */
  readonly redeliveries: number;
}

export interface TransportStats {
  /** Waiting to be received. */
  pending: number;
  /** Received by a worker and not yet acknowledged. */
  inFlight: number;
}

/** Creates a transport from its DSN; the factory of each kind imports its client library only then. */
export type TransportFactory = (dsn: URL, context: TransportContext) => Promise<Transport>;

export interface TransportContext {
  /** The store's database URL and table prefix, for `database://default`. */
  database: string;
  tablePrefix: string;
  /** A name unique to this process, for consumer names. */
  consumerName: string;
  /** Connection errors outside any call (a dropped socket), to be logged. */
  onBackgroundError: (error: unknown) => void;
}
