import type { Logger } from '../../logger.js';
import { decodeRecord, type PoisonMessageError } from '../../record/envelope.js';
import type { FailureSink, Sink } from '../../store/sink.js';
import type { Pauses } from '../pauses.js';
import type { ReceivedMessage, Transport } from '../transport.js';
import { FailureSender } from './failure-sender.js';
import { GroupStorer, type ReadableMessage } from './group-storer.js';
import type { Limits } from './limits.js';
import { Outage } from './outage.js';
import type { OutageReport } from './outage-report.js';
import type { RetryPolicy } from './retry-policy.js';
import type { BatchTally, StopState, WorkerProgress } from './state.js';
import { acknowledger, type TrackedMessage } from './tracked-message.js';

/** A message that cannot be decoded: it goes to the failure store at once, since no retry can help it. */
interface PoisonMessage extends TrackedMessage {
  readonly error: PoisonMessageError;
}

/** What the batch handler and its parts share with the rest of the worker. */
export interface BatchHandling {
  sink: Sink;
  transport: Transport;
  /** The failure store: the sink's own, or a failure transport elsewhere. */
  failureStore: () => Promise<FailureSink>;
  policy: RetryPolicy;
  limits: Limits;
  progress: WorkerProgress;
  stop: StopState;
  pauses: Pauses;
  /** The sink's outage report, shared with the heartbeat. */
  sinkOutage: OutageReport;
  logger?: Logger;
}

/** A batch handler with its failure sender and its group storer. */
export function createBatchHandler(shared: BatchHandling): BatchHandler {
  const acknowledge = acknowledger(shared.transport, shared.logger);
  const failures = new FailureSender({ ...shared, acknowledge });
  const storer = new GroupStorer({ ...shared, acknowledge, failures });
  return new BatchHandler({ ...shared, storer, failures });
}

/**
 * One received batch, from decoding to acknowledgement. An outage (the sink unreachable, read-only, out of
 * connections or disk) fails nothing: the batch stays unacknowledged and is tried again with backoff, each
 * message resuming where it stood, until it goes through or the worker is asked to stop.
 */
export class BatchHandler {
  constructor(private readonly parts: BatchHandling & { storer: GroupStorer; failures: FailureSender }) {}

  /**
   * Resolves to what the batch did, or to undefined when the worker stopped during an outage: the batch's
   * messages not yet handled are then released for another worker.
   */
  async handle(messages: readonly ReceivedMessage[]): Promise<BatchTally | undefined> {
    const { readable, poison } = decode(messages);
    const tally: BatchTally = { handled: 0, failed: 0, duplicates: 0 };
    const { policy, stop, sinkOutage } = this.parts;
    for (let outage = 1; ; outage++) {
      try {
        await this.#handleLeft(readable, poison, tally);
        sinkOutage.recovered();
        return tally;
      } catch (error) {
        if (!(error instanceof Outage)) throw error;
        const left = [...poison, ...readable].filter((entry) => !entry.done).map((entry) => entry.message);
        this.parts.limits.check();
        if (stop.reason) {
          await this.#release(left);
          return undefined;
        }
        const pause = policy.outageBackoff(outage);
        sinkOutage.failed(error.error, pause, ` (keeping ${left.length} messages)`);
        await this.parts.pauses.wait(pause);
      }
    }
  }

  /** Fails the unreadable messages and stores the rest, skipping those already done. */
  async #handleLeft(readable: ReadableMessage[], poison: PoisonMessage[], tally: BatchTally) {
    const { failures, storer } = this.parts;
    for (const entry of poison.filter((entry) => !entry.done)) {
      await failures.send(entry, entry.error, entry.message.redeliveries + 1, tally);
    }
    const left = readable.filter((entry) => !entry.done);
    if (left.length > 0) await storer.store(left, tally);
  }

  async #release(messages: ReceivedMessage[]) {
    await this.parts.transport
      .release(messages)
      .catch((error: unknown) =>
        this.parts.logger?.warn(
          `routeperf worker: ${messages.length} messages not released; they come again after the transport's redelivery timeout: ${(error as Error).message}`,
        ),
      );
  }
}

function decode(messages: readonly ReceivedMessage[]) {
  const readable: ReadableMessage[] = [];
  const poison: PoisonMessage[] = [];
  for (const message of messages) {
    try {
      readable.push({ message, metrics: message.record ?? decodeRecord(message.body) });
    } catch (error) {
      poison.push({ message, error: error as PoisonMessageError });
    }
  }
  return { readable, poison };
}
