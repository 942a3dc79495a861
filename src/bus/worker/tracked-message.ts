import type { Logger } from '../../logger.js';
import type { ReceivedMessage, Transport } from '../transport.js';

/** A received message and how far the worker got with it, so that a retry after an outage redoes nothing. */
export interface TrackedMessage {
  readonly message: ReceivedMessage;
  /** Stored (or failed) and acknowledged. */
  done?: boolean;
}

/** Acknowledges handled messages and marks them done. */
export type Acknowledge = (entries: readonly TrackedMessage[]) => Promise<void>;

/**
 * An acknowledgement that fails (the connection dropped after the commit) is only logged: the broker
 * delivers those messages again, and the ledger counts them once.
 */
export function acknowledger(transport: Transport, logger?: Logger): Acknowledge {
  return async (entries) => {
    try {
      await transport.ack(entries.map((entry) => entry.message));
    } catch (error) {
      logger?.warn(
        `routeperf worker: ${entries.length} handled message(s) not acknowledged; they will come again and count once: ${(error as Error).message}`,
      );
    }
    for (const entry of entries) entry.done = true;
  };
}
