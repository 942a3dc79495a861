import type { ReceivedMessage, Transport, TransportStats } from '../../../src/bus/transport.js';
import type { ErrorCause } from '../../../src/errors.js';
import { encodeRecord, messageIdOf } from '../../../src/record/envelope.js';
import type { RequestMetrics } from '../../../src/record/metrics.js';
import type {
  FailureSink,
  IngestOptions,
  IngestSummary,
  NewFailedMessage,
  SharedTransaction,
  Sink,
  WorkerHeartbeat,
  WorkerPresence,
} from '../../../src/store/sink.js';
import { requestMetrics } from '../../support/metrics.js';

/**
 * Small fakes of the worker's two interfaces, Sink and Transport, for the unit tests of its parts. Both
 * write what they are asked to do into one shared journal, so that a test can assert the order of
 * storing, acknowledging, failing and releasing.
 */

/** An error whose cause the fakes read from the error itself. */
export class FakeError extends Error {
  constructor(
    message: string,
    readonly fakeCause: ErrorCause,
  ) {
    super(message);
  }
}

export const outage = (message = 'connect ECONNREFUSED 127.0.0.1:5432') =>
  new FakeError(message, 'unreachable');
export const refusal = (message = 'value too long') => new FakeError(message, 'badMessage');
export const bug = (message = 'undefined is not a function') => new FakeError(message, 'bug');

const causeOf = (error: unknown): ErrorCause => (error instanceof FakeError ? error.fakeCause : 'bug');

/** A message as the transport delivers it; its body is a routeperf record with the message id `id`. */
export function received(id: string, redeliveries = 0): ReceivedMessage {
  return { body: encodeRecord(requestMetrics({ id })), handle: id, redeliveries };
}

/** A message that is not a routeperf record. */
export function unreadable(body: string): ReceivedMessage {
  return { body, handle: body, redeliveries: 0 };
}

const idsOf = (messages: readonly ReceivedMessage[]) =>
  messages.map((message) => messageIdOf(message.body) ?? message.body).join(' ');

export class FakeSink implements Sink {
  readonly description = 'sqlite:fake.db';
  /** What `ingest` does with a batch before it commits: throw to refuse it or to be unavailable. */
  onIngest: (batch: readonly RequestMetrics[]) => Promise<void> | void = () => {};
  /** Duplicates the next ingests report, per batch. */
  duplicates = 0;
  readonly failureStore: FakeFailureStore;
  readonly presence = new FakePresence();

  constructor(readonly journal: string[] = []) {
    this.failureStore = new FakeFailureStore(journal);
  }

  async ingest(batch: readonly RequestMetrics[], options?: IngestOptions): Promise<IngestSummary> {
    await this.onIngest(batch);
    await options?.inTransaction?.(NO_QUERIES);
    this.journal.push(
      `stored ${batch.map((metrics) => metrics.id).join(' ')}${options?.dedupe ? '' : ' (no dedupe)'}`,
    );
    return { requests: batch.length, duplicates: this.duplicates, routes: 1, rows: batch.length };
  }

  async failures(): Promise<FailureSink> {
    return this.failureStore;
  }

  async workers(): Promise<FakePresence> {
    return this.presence;
  }

  causeOf(error: unknown): ErrorCause {
    return causeOf(error);
  }

  /** How many times the upkeep was started. */
  maintained = 0;

  maintain(): void {
    this.maintained++;
  }
}

const NO_QUERIES: SharedTransaction = {
  executeQuery: () => Promise.reject(new Error('the fake sink runs no queries')),
};

export class FakeFailureStore implements FailureSink {
  readonly added: NewFailedMessage[] = [];
  /** Throw here to make the failure store fail. */
  onAdd: () => void = () => {};

  constructor(private readonly journal: string[]) {}

  async add(messages: readonly NewFailedMessage[]): Promise<void> {
    this.onAdd();
    this.added.push(...messages);
    this.journal.push(`failed ${messages.map((message) => message.messageId ?? message.body).join(' ')}`);
  }
}

export class FakePresence implements WorkerPresence {
  readonly beats: WorkerHeartbeat[] = [];
  readonly stoppedIds: string[] = [];
  stopRequested = 0;
  /** Throw here to make a beat fail. */
  onBeat: () => void = () => {};

  async beat(worker: WorkerHeartbeat): Promise<void> {
    this.onBeat();
    this.beats.push(worker);
  }

  async stopped(id: string): Promise<void> {
    this.stoppedIds.push(id);
  }

  async stopRequestedAt(): Promise<number> {
    return this.stopRequested;
  }
}

export class FakeTransport implements Transport {
  readonly description = 'fake://queue';
  durable = true;
  readonly waiting: ReceivedMessage[] = [];
  setups = 0;
  /** Runs before each receive; throw to make it fail. */
  onReceive: () => Promise<void> | void = () => {};
  /** Runs before each ack and each release; throw to make it fail. */
  onAck: () => void = () => {};
  onRelease: () => void = () => {};
  acknowledgeInStore?: Transport['acknowledgeInStore'];

  constructor(readonly journal: string[] = []) {}

  /** Queues messages with these ids. */
  add(...messages: ReceivedMessage[]): this {
    this.waiting.push(...messages);
    return this;
  }

  async setup(): Promise<void> {
    this.setups += 1;
  }

  async send(): Promise<void> {
    throw new Error('the worker never sends');
  }

  async receive(max: number): Promise<ReceivedMessage[]> {
    await this.onReceive();
    const messages = this.waiting.splice(0, max);
    if (messages.length > 0) this.journal.push(`received ${idsOf(messages)}`);
    // An empty queue lets the rest of the process run, as a real wait for messages would.
    else await new Promise((resolve) => setImmediate(resolve));
    return messages;
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    this.onAck();
    this.journal.push(`acked ${idsOf(messages)}`);
  }

  async release(messages: readonly ReceivedMessage[]): Promise<void> {
    this.onRelease();
    this.journal.push(`released ${idsOf(messages)}`);
  }

  async stats(): Promise<TransportStats> {
    return { pending: this.waiting.length, inFlight: 0 };
  }

  causeOf(error: unknown): ErrorCause {
    return causeOf(error);
  }

  async close(): Promise<void> {}
}

/** A promise with its resolve function, to hold a fake's call until the test lets it go. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
