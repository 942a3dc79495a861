import { messageIdOf } from '../../record/envelope.js';
import type { FailureSink } from '../../store/sink.js';
import type { Transport } from '../transport.js';
import { type CauseReader, markingOutages } from './outage.js';
import type { BatchTally, WorkerProgress } from './state.js';
import type { Acknowledge, TrackedMessage } from './tracked-message.js';

export interface FailureSenderParts {
  /** The failure store, opened at each use: the sink's own, or a failure transport elsewhere. */
  failureStore: () => Promise<FailureSink>;
  /** Reads the failure store's errors: the sink's reading. */
  sink: CauseReader;
  /** The transport the messages came from; its redacted DSN is kept with each failed message. */
  transport: Pick<Transport, 'description'>;
  acknowledge: Acknowledge;
  progress: WorkerProgress;
}

/**
 * Messenger's failure transport: a message the worker gives up on is written to the failure store, then
 * acknowledged, and counts as failed. Written first, so that a crash in between delivers it again rather
 * than losing it. The acknowledgement never throws (see acknowledger), so an outage can only come before
 * the write, and a retry after it writes the message once.
 */
export class FailureSender {
  constructor(private readonly parts: FailureSenderParts) {}

  /** `attempts`: deliveries tried before giving up. Throws an Outage when the failure store is unavailable. */
  async send(entry: TrackedMessage, error: unknown, attempts: number, tally: BatchTally): Promise<void> {
    await markingOutages(this.parts.sink, async () => {
      const failures = await this.parts.failureStore();
      await failures.add([
        {
          messageId: messageIdOf(entry.message.body) ?? null,
          body: entry.message.body,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          transport: this.parts.transport.description,
          attempts,
        },
      ]);
    });
    await this.parts.acknowledge([entry]);
    this.parts.progress.failed += 1;
    tally.failed += 1;
  }
}
