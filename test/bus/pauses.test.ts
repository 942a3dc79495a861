import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Pauses } from '../../src/bus/pauses.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Whether `promise` has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await Promise.resolve();
  return done;
}

it('a pause ends after its time', async () => {
  const pauses = new Pauses();
  const pause = pauses.wait(1000);
  vi.advanceTimersByTime(999);
  expect(await settled(pause)).toBe(false);
  vi.advanceTimersByTime(1);
  expect(await settled(pause)).toBe(true);
});

it('cutShort ends every pending pause at once, and no later one', async () => {
  const pauses = new Pauses();
  const pending = [pauses.wait(30_000), pauses.wait(500)];
  pauses.cutShort();
  expect(await Promise.all(pending.map(settled))).toEqual([true, true]);
  const later = pauses.wait(1000);
  expect(await settled(later)).toBe(false);
  expect(vi.getTimerCount()).toBe(1);
});
