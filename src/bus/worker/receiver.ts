import { isOutageCause } from '../../errors.js';
import type { Pauses } from '../pauses.js';
import type { ReceivedMessage, Transport } from '../transport.js';
import type { OutageReport } from './outage-report.js';
import type { RetryPolicy } from './retry-policy.js';

export interface ReceiverParts {
  transport: Transport;
  /** Longest wait for the first message of a batch. */
  waitMs: number;
  policy: RetryPolicy;
  pauses: Pauses;
  transportOutage: OutageReport;
}

/**
 * The transport's side of the receive loop: sets the transport up at the first receive, and waits out its
 * outages, from the start on, so that a worker started before its broker simply waits for it.
 */
export class Receiver {
  #setUp = false;

  constructor(private readonly parts: ReceiverParts) {}

  /** Up to `wanted` messages; while the transport is unavailable, [] after a backoff instead of an error. */
  async receive(wanted: number): Promise<ReceivedMessage[]> {
    const { transport, transportOutage } = this.parts;
    try {
      if (!this.#setUp) {
        await transport.setup();
        this.#setUp = true;
      }
      const messages = await transport.receive(wanted, this.parts.waitMs);
      transportOutage.recovered();
      return messages;
    } catch (error) {
      if (!isOutageCause(transport.causeOf(error))) throw error;
      const pause = this.parts.policy.outageBackoff(transportOutage.attempts + 1);
      transportOutage.failed(error, pause);
      await this.parts.pauses.wait(pause);
      return [];
    }
  }
}
