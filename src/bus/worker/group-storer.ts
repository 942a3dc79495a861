import { isOutageCause } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RequestMetrics } from '../../record/metrics.js';
import type { IngestSummary, Sink } from '../../store/sink.js';
import type { Pauses } from '../pauses.js';
import type { Transport } from '../transport.js';
import type { FailureSender } from './failure-sender.js';
import { markingOutages, Outage } from './outage.js';
import type { RetryPolicy } from './retry-policy.js';
import type { BatchTally, StopState, WorkerProgress } from './state.js';
import type { Acknowledge, TrackedMessage } from './tracked-message.js';

/** A message that could be decoded. */
export interface ReadableMessage extends TrackedMessage {
  readonly metrics: RequestMetrics;
}

export interface GroupStorerParts {
  sink: Sink;
  transport: Transport;
  acknowledge: Acknowledge;
  failures: FailureSender;
  policy: RetryPolicy;
  pauses: Pauses;
  stop: StopState;
  progress: WorkerProgress;
  logger?: Logger;
}

/**
 * Stores readable messages in one transaction with deduplication by message id, then acknowledges them,
 * or lets the transport acknowledge them inside that transaction when its queue lives in the sink's
 * database. A group the sink refuses is halved until the message at fault is alone: the others are stored,
 * and that one is retried with the retry policy, then moved to the failure store.
 */
export class GroupStorer {
  constructor(private readonly parts: GroupStorerParts) {}

  /**
   * Marks each message done once stored (or failed) and acknowledged, so that a retry after an outage
   * skips it. Throws an Outage when the sink is unavailable: that is no message's fault.
   */
  async store(group: ReadableMessage[], tally: BatchTally, retries = 0): Promise<void> {
    const { sink, transport, progress } = this.parts;
    const inTransaction = transport.acknowledgeInStore?.(group.map((entry) => entry.message));
    let summary: IngestSummary;
    try {
      summary = await sink.ingest(
        group.map((entry) => entry.metrics),
        { dedupe: transport.durable, inTransaction },
      );
    } catch (error) {
      if (isOutageCause(sink.causeOf(error))) throw new Outage(error);
      return this.#refused(group, error, tally, retries);
    }
    if (inTransaction) for (const entry of group) entry.done = true;
    else await this.parts.acknowledge(group);
    progress.handled += group.length;
    progress.duplicates += summary.duplicates;
    tally.handled += group.length;
    tally.duplicates += summary.duplicates;
  }

  async #refused(group: ReadableMessage[], error: unknown, tally: BatchTally, retries: number) {
    if (group.length > 1) {
      const half = Math.ceil(group.length / 2);
      await this.store(group.slice(0, half), tally);
      await this.store(group.slice(half), tally);
      return;
    }
    const { transport, policy, stop, logger } = this.parts;
    const entry = group[0]!;
    const deliveries = entry.message.redeliveries + retries + 1;
    if (stop.reason) {
      // Shutting down: leave the message to the next worker rather than fail it early.
      await markingOutages(transport, () => transport.release([entry.message]));
      entry.done = true;
      return;
    }
    if (policy.retriesAgain(retries)) {
      logger?.warn(
        `routeperf worker: message failed (try ${deliveries}), retrying: ${(error as Error).message}`,
      );
      await this.parts.pauses.wait(policy.messageDelay(retries + 1));
      return this.store(group, tally, retries + 1);
    }
    await this.parts.failures.send(entry, error, deliveries, tally);
  }
}
