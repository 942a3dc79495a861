import { describe, expect, it } from 'vitest';
import { RetryPolicy, retryDelay } from '../../../src/bus/worker/retry-policy.js';
import { DEFAULT_RETRY } from '../../../src/config/retry.js';

const noJitter = { ...DEFAULT_RETRY, jitter: 0 };

describe('retryDelay', () => {
  it('grows by the multiplier from the first delay, up to maxDelay', () => {
    const options = { ...noJitter, delay: 100, multiplier: 3, maxDelay: 2000 };
    expect([1, 2, 3, 4].map((retry) => retryDelay(options, retry))).toEqual([100, 300, 900, 2000]);
    expect(retryDelay({ ...options, maxDelay: 0 }, 4)).toBe(2700);
  });

  it('spreads each delay by up to ±jitter', () => {
    const options = { ...DEFAULT_RETRY, delay: 1000, jitter: 0.1 };
    expect([0, 0.5, 1].map((random) => retryDelay(options, 1, () => random))).toEqual([900, 1000, 1100]);
  });
});

describe('RetryPolicy', () => {
  it('retries a refused message maxRetries times, each after the retry delay', () => {
    const policy = new RetryPolicy({ ...noJitter, maxRetries: 2, delay: 50 });
    expect([0, 1, 2].map((retries) => policy.retriesAgain(retries))).toEqual([true, true, false]);
    expect([1, 2].map((retry) => policy.messageDelay(retry))).toEqual([50, 100]);
  });

  it('backs off from an outage with the same delays, at most 30 s apart', () => {
    const policy = new RetryPolicy({ ...noJitter, delay: 1000 });
    expect([1, 2, 5, 6, 20].map((attempt) => policy.outageBackoff(attempt))).toEqual([
      1000, 2000, 16_000, 30_000, 30_000,
    ]);
  });

  it('never waits past the time limit', () => {
    let now = 10_000;
    const policy = new RetryPolicy({ ...noJitter, delay: 1000 }, 15_000, () => now);
    expect(policy.outageBackoff(4)).toBe(5000);
    now = 14_500;
    expect(policy.outageBackoff(1)).toBe(500);
    now = 16_000;
    expect(policy.outageBackoff(1)).toBe(0);
  });
});
