import type { RetryOptions } from '../../config/retry.js';

/** Milliseconds to wait before retry number `retry` (1 for the first retry). */
export function retryDelay(options: RetryOptions, retry: number, random = Math.random): number {
  const base = options.delay * options.multiplier ** (retry - 1);
  const bounded = options.maxDelay > 0 ? Math.min(base, options.maxDelay) : base;
  const spread = bounded * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(bounded + spread));
}
