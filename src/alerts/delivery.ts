import type { Logger } from '../logger.js';
import { abortable } from './channels/abortable.js';
import type { AlertChannel } from './channels/channel.js';
import { subjectText } from './message.js';
import type { AlertNotification } from './notification.js';

/** How one channel fared with one notification. */
export interface DeliveryOutcome {
  channel: string;
  outcome: 'sent' | 'failed';
  /** Attempts made, the first included. */
  attempts: number;
  /** The last attempt's error; null when sent. */
  error: string | null;
  /** From the first attempt to the outcome, pauses included. */
  ms: number;
}

export interface DeliveryOptions {
  /** The pause before the first retry, doubled before each next one. Default 1000 ms. */
  backoffMs?: number;
  /** Told of every message sent (info) and every channel that failed (warn). */
  logger?: Logger;
  /** Called as each channel finishes, so that a slow channel does not hold back the others' news. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

/** The first pause between two attempts when the caller does not say. */
export const DEFAULT_BACKOFF_MS = 1000;

/**
 * Sends `notification` to every channel at once, each attempt cut at its channel's timeout and a failed
 * one retried `retries` times after growing pauses. Never rejects: a channel that throws, hangs or refuses
 * becomes a `failed` outcome, since an alert that cannot be sent must not break the worker that found it.
 */
export function deliver(
  notification: AlertNotification,
  channels: readonly AlertChannel[],
  options: DeliveryOptions = {},
): Promise<DeliveryOutcome[]> {
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  return Promise.all(
    channels.map(async (channel) => {
      const outcome = await deliverTo(channel, notification, backoffMs);
      log(options.logger, notification, outcome);
      try {
        options.onOutcome?.(outcome);
      } catch {
        // The caller's bookkeeping failing does not unsend the message.
      }
      return outcome;
    }),
  );
}

async function deliverTo(
  channel: AlertChannel,
  notification: AlertNotification,
  backoffMs: number,
): Promise<DeliveryOutcome> {
  const started = performance.now();
  const result = (outcome: 'sent' | 'failed', attempts: number, error: string | null) => ({
    channel: channel.name,
    outcome,
    attempts,
    error,
    ms: performance.now() - started,
  });
  let error: unknown;
  for (let attempt = 1; attempt <= channel.retries + 1; attempt++) {
    if (attempt > 1) await pause(backoffMs * 2 ** (attempt - 2));
    try {
      await attemptSend(channel, notification);
      return result('sent', attempt, null);
    } catch (failure) {
      error = failure;
    }
  }
  return result('failed', channel.retries + 1, messageOf(error));
}

/**
 * One attempt, cut at the channel's timeout even if its `send` ignores the signal; a `send` that throws
 * instead of rejecting fails the attempt all the same.
 */
async function attemptSend(channel: AlertChannel, notification: AlertNotification): Promise<void> {
  const signal = AbortSignal.timeout(channel.timeout);
  try {
    await abortable(new Promise<void>((resolve) => resolve(channel.send(notification, signal))), signal);
  } catch (error) {
    // The timeout's own message ("The operation was aborted due to timeout") does not say which timeout.
    throw error === signal.reason ? new Error(`no answer within ${channel.timeout} ms`) : error;
  }
}

function log(logger: Logger | undefined, notification: AlertNotification, outcome: DeliveryOutcome): void {
  const { rule, status, method, route, environment } = notification;
  const alert = `Alert "${rule}" (${status}) for ${subjectText({ method, route, environment })}`;
  const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
  try {
    if (outcome.outcome === 'sent') logger?.info(`${alert} sent to channel "${outcome.channel}" (${tries})`);
    else
      logger?.warn(`${alert} could not be sent to channel "${outcome.channel}" (${tries}): ${outcome.error}`);
  } catch {
    // A broken logger must not turn a delivery into a rejection.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
