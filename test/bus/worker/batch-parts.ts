import { Pauses } from '../../../src/bus/pauses.js';
import type { BatchHandling } from '../../../src/bus/worker/batch-handler.js';
import { FailureSender } from '../../../src/bus/worker/failure-sender.js';
import { GroupStorer } from '../../../src/bus/worker/group-storer.js';
import { type LimitOptions, Limits } from '../../../src/bus/worker/limits.js';
import { OutageReport } from '../../../src/bus/worker/outage-report.js';
import { RetryPolicy } from '../../../src/bus/worker/retry-policy.js';
import { newProgress, StopState } from '../../../src/bus/worker/state.js';
import { acknowledger } from '../../../src/bus/worker/tracked-message.js';
import { DEFAULT_RETRY, type RetryOptions } from '../../../src/config/retry.js';
import { capturingLogger } from '../../support/logger.js';
import { FakeSink, FakeTransport, refusal } from './fakes.js';

/** Pauses that end at once and remember how long they were asked to be. */
export class RecordedPauses extends Pauses {
  readonly asked: number[] = [];

  override wait(ms: number): Promise<void> {
    this.asked.push(ms);
    return Promise.resolve();
  }
}

/**
 * What the batch-handling parts share, around a fake sink and a fake transport writing to one journal.
 * Retry delays are without jitter, so that the pauses asked for can be asserted.
 */
export function batchParts({
  retry = {},
  limits = {},
}: {
  retry?: Partial<RetryOptions>;
  limits?: LimitOptions;
} = {}) {
  const journal: string[] = [];
  const sink = new FakeSink(journal);
  const transport = new FakeTransport(journal);
  const progress = newProgress();
  const stop = new StopState();
  const pauses = new RecordedPauses();
  const { logger, lines } = capturingLogger();
  const shared: BatchHandling = {
    sink,
    transport,
    failureStore: () => sink.failures(),
    policy: new RetryPolicy({ ...DEFAULT_RETRY, jitter: 0, ...retry }),
    limits: new Limits(limits, { progress, stop, startedAt: 0, clock: () => 0 }),
    progress,
    stop,
    pauses,
    sinkOutage: new OutageReport(`the store ${sink.description}`, (line) => lines.error.push(line)),
    logger,
  };
  const tally = { handled: 0, failed: 0, duplicates: 0 };
  return { shared, journal, sink, transport, progress, stop, pauses, lines, tally };
}

/** A group storer on its own, with the failure sender it hands refused messages to. */
export function groupStorer(shared: BatchHandling): GroupStorer {
  const acknowledge = acknowledger(shared.transport, shared.logger);
  return new GroupStorer({ ...shared, acknowledge, failures: new FailureSender({ ...shared, acknowledge }) });
}

/** Makes the sink refuse every batch that holds one of `ids`, noting each batch it is given. */
export function refusing(sink: FakeSink, ...ids: string[]) {
  const tried: string[] = [];
  sink.onIngest = (batch) => {
    tried.push(batch.map((metrics) => metrics.id).join(' '));
    if (batch.some((metrics) => ids.includes(metrics.id))) throw refusal();
  };
  return tried;
}
