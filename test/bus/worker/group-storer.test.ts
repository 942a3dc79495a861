import { describe, expect, it } from 'vitest';
import type { ReadableMessage } from '../../../src/bus/worker/group-storer.js';
import { Outage } from '../../../src/bus/worker/outage.js';
import { decodeRecord } from '../../../src/record/envelope.js';
import { batchParts, groupStorer, refusing } from './batch-parts.js';
import { outage, received } from './fakes.js';

function readable(...ids: string[]): ReadableMessage[] {
  return ids.map((id) => {
    const message = received(id);
    return { message, metrics: decodeRecord(message.body) };
  });
}

describe('GroupStorer', () => {
  it('stores a group in one transaction with deduplication, then acknowledges it', async () => {
    const parts = batchParts();
    parts.sink.duplicates = 1;
    const group = readable('a', 'b', 'c');
    await groupStorer(parts.shared).store(group, parts.tally);
    expect(parts.journal).toEqual(['stored a b c', 'acked a b c']);
    expect(group.every((entry) => entry.done)).toBe(true);
    expect(parts.tally).toEqual({ handled: 3, failed: 0, duplicates: 1 });
    expect(parts.progress).toMatchObject({ handled: 3, duplicates: 1 });
  });

  it('deduplicates nothing for a transport that is not durable', async () => {
    const parts = batchParts();
    parts.transport.durable = false;
    await groupStorer(parts.shared).store(readable('a'), parts.tally);
    expect(parts.journal).toEqual(['stored a (no dedupe)', 'acked a']);
  });

  it('lets a queue in the store acknowledge inside the ingest transaction, and acks nothing after it', async () => {
    const parts = batchParts();
    parts.transport.acknowledgeInStore = (messages) => async () => {
      parts.journal.push(`deleted ${messages.map((message) => message.handle).join(' ')} in the transaction`);
    };
    const group = readable('a', 'b');
    await groupStorer(parts.shared).store(group, parts.tally);
    expect(parts.journal).toEqual(['deleted a b in the transaction', 'stored a b']);
    expect(group.every((entry) => entry.done)).toBe(true);
  });

  it('halves a refused group until the message at fault is alone; retries it, then fails it', async () => {
    const parts = batchParts({ retry: { maxRetries: 2, delay: 1000, multiplier: 2 } });
    const tried = refusing(parts.sink, 'bad');
    const group = readable('a', 'b', 'bad', 'c', 'd');
    await groupStorer(parts.shared).store(group, parts.tally);
    expect(tried).toEqual(['a b bad c d', 'a b bad', 'a b', 'bad', 'bad', 'bad', 'c d']);
    expect(parts.journal).toEqual([
      'stored a b',
      'acked a b',
      'failed bad',
      'acked bad',
      'stored c d',
      'acked c d',
    ]);
    expect(parts.pauses.asked).toEqual([1000, 2000]);
    expect(parts.lines.warn).toEqual([
      'routeperf worker: message failed (try 1), retrying: value too long',
      'routeperf worker: message failed (try 2), retrying: value too long',
    ]);
    expect(parts.sink.failureStore.added).toMatchObject([
      { messageId: 'bad', error: 'Error: value too long', attempts: 3 },
    ]);
    expect(parts.tally).toEqual({ handled: 4, failed: 1, duplicates: 0 });
  });

  it('counts the deliveries before this one in the tries of a redelivered message', async () => {
    const parts = batchParts({ retry: { maxRetries: 1 } });
    refusing(parts.sink, 'bad');
    const message = received('bad', 4);
    await groupStorer(parts.shared).store([{ message, metrics: decodeRecord(message.body) }], parts.tally);
    expect(parts.lines.warn).toEqual(['routeperf worker: message failed (try 5), retrying: value too long']);
    expect(parts.sink.failureStore.added).toMatchObject([{ attempts: 6 }]);
  });

  it('while stopping, releases the message at fault for the next worker instead of failing it', async () => {
    const parts = batchParts();
    refusing(parts.sink, 'bad');
    parts.stop.request('stopped');
    const group = readable('a', 'bad');
    await groupStorer(parts.shared).store(group, parts.tally);
    expect(parts.journal).toEqual(['stored a', 'acked a', 'released bad']);
    expect(group.every((entry) => entry.done)).toBe(true);
    expect(parts.tally).toEqual({ handled: 1, failed: 0, duplicates: 0 });
  });

  it('throws an Outage when the sink is unavailable, having stored and acknowledged nothing', async () => {
    const parts = batchParts();
    parts.sink.onIngest = () => {
      throw outage();
    };
    const group = readable('a', 'b');
    await expect(groupStorer(parts.shared).store(group, parts.tally)).rejects.toBeInstanceOf(Outage);
    expect(parts.journal).toEqual([]);
    expect(group.some((entry) => entry.done)).toBe(false);
  });
});
