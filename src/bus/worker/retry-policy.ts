import type { RetryOptions } from '../../config/retry.js';
import type { Clock } from './state.js';

/** Longest pause while the sink or the transport is unavailable; the batch in hand waits for it. */
const MAX_OUTAGE_BACKOFF_MS = 30_000;

/** Milliseconds to wait before retry number `retry` (1 for the first retry). */
export function retryDelay(options: RetryOptions, retry: number, random = Math.random): number {
  const base = options.delay * options.multiplier ** (retry - 1);
  const bounded = options.maxDelay > 0 ? Math.min(base, options.maxDelay) : base;
  const spread = bounded * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(bounded + spread));
}

/**
 * When to try again. A message the sink refuses is retried with Messenger's strategy (the retry options)
 * and then failed. Work that met an outage fails nothing and is tried until it goes through, with the same
 * growing delays, but at most 30 s apart and never past the time limit, so that --time-limit is kept while
 * the worker waits.
 */
export class RetryPolicy {
  constructor(
    private readonly options: RetryOptions,
    /** When the time limit is reached (ms epoch); infinite without one. */
    private readonly deadline = Number.POSITIVE_INFINITY,
    private readonly clock: Clock = Date.now,
    private readonly random = Math.random,
  ) {}

  /** Whether a message refused after `retries` retries is tried once more. */
  retriesAgain(retries: number): boolean {
    return retries < this.options.maxRetries;
  }

  /** The pause before retry number `retry` (1 for the first) of a refused message. */
  messageDelay(retry: number): number {
    return retryDelay(this.options, retry, this.random);
  }

  /** The pause after failed attempt number `attempt` (1 for the first) during an outage. */
  outageBackoff(attempt: number): number {
    const left = this.deadline - this.clock();
    return Math.max(0, Math.min(MAX_OUTAGE_BACKOFF_MS, retryDelay(this.options, attempt, this.random), left));
  }
}
