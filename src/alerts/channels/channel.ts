import type { AlertNotification } from '../../config/alert-types.js';

export type { ChannelConfig, ChannelSettings } from '../../config/alert-types.js';

/** One way of telling people, opened from its config. */
export interface AlertChannel {
  readonly name: string;
  readonly timeout: number;
  readonly retries: number;
  /** Sends one message; rejects when it was not accepted. Must stop when `signal` aborts. */
  send(notification: AlertNotification, signal: AbortSignal): Promise<void>;
  /** Releases what the channel holds (an SMTP pool). */
  close(): Promise<void>;
}
