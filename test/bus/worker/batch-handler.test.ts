import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../src/bus/worker/batch-handler.js';
import { batchParts, refusing } from './batch-parts.js';
import { bug, outage, received, unreadable } from './fakes.js';

const DOWN = 'connect ECONNREFUSED 127.0.0.1:5432';

describe('BatchHandler', () => {
  it('moves an unreadable message to the failure store at once and stores the rest', async () => {
    const parts = batchParts();
    const poison = { ...unreadable('{"not": "a record"}'), redeliveries: 1 };
    const tally = await createBatchHandler(parts.shared).handle([received('a'), poison, received('b')]);
    expect(parts.journal).toEqual([
      'failed {"not": "a record"}',
      'acked {"not": "a record"}',
      'stored a b',
      'acked a b',
    ]);
    expect(parts.sink.failureStore.added).toMatchObject([
      {
        messageId: null,
        error: expect.stringMatching(/^PoisonMessageError: not a routeperf.record/),
        attempts: 2,
      },
    ]);
    expect(tally).toEqual({ handled: 2, failed: 1, duplicates: 0 });
    expect(parts.pauses.asked).toEqual([]);
  });

  it('keeps the batch through an outage and retries it whole with backoff, logging its start and end', async () => {
    const parts = batchParts({ retry: { delay: 1000, multiplier: 2 } });
    let outages = 2;
    parts.sink.onIngest = () => {
      if (outages-- > 0) throw outage(DOWN);
    };
    const tally = await createBatchHandler(parts.shared).handle([received('a'), received('b')]);
    expect(parts.journal).toEqual(['stored a b', 'acked a b']);
    expect(parts.pauses.asked).toEqual([1000, 2000]);
    expect(parts.lines.error).toEqual([
      `the store sqlite:fake.db is unavailable, retrying in 1 s (keeping 2 messages): ${DOWN}`,
      'the store sqlite:fake.db is reachable again after 2 failed attempts; going on',
    ]);
    expect(tally).toEqual({ handled: 2, failed: 0, duplicates: 0 });
  });

  it('after an outage redoes nothing: what was stored or failed before it is not done again', async () => {
    const parts = batchParts({ retry: { maxRetries: 0 } });
    const tried = refusing(parts.sink, 'bad');
    let failureStoreDown = true;
    parts.sink.failureStore.onAdd = () => {
      if (failureStoreDown) {
        failureStoreDown = false;
        throw outage(DOWN);
      }
    };
    const tally = await createBatchHandler(parts.shared).handle([
      received('a'),
      received('bad'),
      received('c'),
    ]);
    expect(tried).toEqual(['a bad c', 'a bad', 'a', 'bad', 'bad c', 'bad', 'c']);
    expect(parts.journal).toEqual(['stored a', 'acked a', 'failed bad', 'acked bad', 'stored c', 'acked c']);
    expect(tally).toEqual({ handled: 2, failed: 1, duplicates: 0 });
    expect(parts.progress).toMatchObject({ handled: 2, failed: 1 });
  });

  it('asked to stop during an outage, releases what it has not handled and tells so', async () => {
    const parts = batchParts();
    parts.sink.onIngest = () => {
      parts.stop.request('stopped');
      throw outage(DOWN);
    };
    const tally = await createBatchHandler(parts.shared).handle([
      unreadable('garbage'),
      received('a'),
      received('b'),
    ]);
    expect(tally).toBeUndefined();
    expect(parts.journal).toEqual(['failed garbage', 'acked garbage', 'released a b']);
    expect(parts.pauses.asked).toEqual([]);
  });

  it('stops waiting out an outage once a limit is reached', async () => {
    const parts = batchParts({ limits: { timeLimit: 0 } });
    parts.sink.onIngest = () => {
      throw outage(DOWN);
    };
    expect(await createBatchHandler(parts.shared).handle([received('a')])).toBeUndefined();
    expect(parts.stop.reason).toBe('time-limit');
    expect(parts.journal).toEqual(['released a']);
  });

  it('warns of messages it could not release: they come again after the redelivery timeout', async () => {
    const parts = batchParts();
    parts.stop.request('stopped');
    parts.sink.onIngest = () => {
      throw outage(DOWN);
    };
    parts.transport.onRelease = () => {
      throw new Error('channel closed');
    };
    expect(await createBatchHandler(parts.shared).handle([received('a'), received('b')])).toBeUndefined();
    expect(parts.lines.warn).toEqual([
      "routeperf worker: 2 messages not released; they come again after the transport's redelivery timeout: channel closed",
    ]);
  });

  it('passes on an error that is neither an outage nor a message at fault', async () => {
    const parts = batchParts();
    const broken = bug();
    parts.sink.failureStore.onAdd = () => {
      throw broken;
    };
    await expect(createBatchHandler(parts.shared).handle([unreadable('garbage')])).rejects.toBe(broken);
  });
});
