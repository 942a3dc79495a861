import { describe, expect, it } from 'vitest';
import { type LimitOptions, Limits } from '../../../src/bus/worker/limits.js';
import { newProgress, StopState } from '../../../src/bus/worker/state.js';

/** Limits at the time `now`, with `rss` bytes of memory, for a worker started at 0. */
function limitsAt(options: LimitOptions, { now = 0, rss = 0 } = {}) {
  const progress = newProgress();
  const stop = new StopState();
  const limits = new Limits(options, {
    progress,
    stop,
    startedAt: 0,
    clock: () => now,
    residentMemory: () => rss,
  });
  return { limits, progress, stop };
}

describe('Limits', () => {
  it('stops nothing while no limit is reached', () => {
    const { limits, progress, stop } = limitsAt(
      { limit: 10, timeLimit: 1000, memoryLimit: 100, failureLimit: 3 },
      { now: 999, rss: 100 },
    );
    Object.assign(progress, { handled: 7, failed: 2 });
    limits.check();
    expect(stop.reason).toBeUndefined();
  });

  it('stops at --limit messages handled, stored and failed together', () => {
    const { limits, progress, stop } = limitsAt({ limit: 10 });
    Object.assign(progress, { handled: 8, failed: 2 });
    limits.check();
    expect(stop.reason).toBe('limit');
  });

  it('stops at --time-limit, --memory-limit and --failure-limit', () => {
    const time = limitsAt({ timeLimit: 1000 }, { now: 1000 });
    time.limits.check();
    const memory = limitsAt({ memoryLimit: 100 }, { rss: 101 });
    memory.limits.check();
    const failures = limitsAt({ failureLimit: 3 });
    failures.progress.failed = 3;
    failures.limits.check();
    expect([time, memory, failures].map(({ stop }) => stop.reason)).toEqual([
      'time-limit',
      'memory-limit',
      'failure-limit',
    ]);
  });

  it('names the first limit reached and keeps a reason given before', () => {
    const both = limitsAt({ limit: 1, failureLimit: 1 });
    both.progress.failed = 1;
    both.limits.check();
    expect(both.stop.reason).toBe('limit');

    const stopped = limitsAt({ timeLimit: 0 });
    stopped.stop.request('stopped');
    stopped.limits.check();
    expect(stopped.stop.reason).toBe('stopped');
  });

  it('lets a worker receive no more than --limit messages', () => {
    expect(limitsAt({ limit: 10 }).limits.receivable(7)).toBe(3);
    expect(limitsAt({}).limits.receivable(7)).toBe(Number.POSITIVE_INFINITY);
  });
});
