import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchBuffer } from '../../../src/bus/transports/amqp/batch-buffer.js';

/** Whether `promise` has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('BatchBuffer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('returns at once when a full batch is already there', async () => {
    const buffer = new BatchBuffer<number>(20);
    for (const i of [1, 2, 3]) buffer.push(i);
    expect(await settled(buffer.fill(3, 1000))).toBe(true);
    expect(buffer.take(2)).toEqual([1, 2]);
    expect(buffer.size).toBe(1);
  });

  it('wakes as soon as the batch is full', async () => {
    const buffer = new BatchBuffer<number>(20);
    const filling = buffer.fill(3, 1000);
    buffer.push(1);
    buffer.push(2);
    expect(await settled(filling)).toBe(false);
    buffer.push(3);
    expect(await settled(filling)).toBe(true);
  });

  it('waits the whole time while nothing comes', async () => {
    const buffer = new BatchBuffer<number>(20);
    const filling = buffer.fill(3, 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(filling)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(filling)).toBe(true);
  });

  it('ends a partial batch once no more came for the quiet period', async () => {
    const buffer = new BatchBuffer<number>(20);
    const filling = buffer.fill(500, 1000);
    await vi.advanceTimersByTimeAsync(100);
    buffer.push(1);
    await vi.advanceTimersByTimeAsync(15);
    buffer.push(2); // still coming: the quiet period starts again
    await vi.advanceTimersByTimeAsync(15);
    expect(await settled(filling)).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settled(filling)).toBe(true);
    expect(buffer.take(500)).toEqual([1, 2]);
  });

  it('keeps waiting while items keep coming, until the deadline', async () => {
    const buffer = new BatchBuffer<number>(20);
    const filling = buffer.fill(500, 100);
    for (let i = 0; i < 10; i++) {
      buffer.push(i);
      await vi.advanceTimersByTimeAsync(10);
      // The last push (at 90 ms) is not quiet before 110 ms: only the deadline ends this wait.
      expect(await settled(filling)).toBe(i === 9);
    }
    expect(buffer.size).toBe(10);
  });

  it('is woken and emptied by clear()', async () => {
    const buffer = new BatchBuffer<number>(20);
    buffer.push(1);
    const filling = buffer.fill(5, 1000);
    buffer.clear();
    expect(await settled(filling)).toBe(true);
    expect(buffer.take(5)).toEqual([]);
  });
});
