import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../src/bus/transports/memory/index.js';
import { createBatchHandler } from '../../../src/bus/worker/batch-handler.js';
import { decodeRecord } from '../../../src/record/envelope.js';
import type { RequestMetrics } from '../../../src/record/metrics.js';
import { requestMetrics } from '../../support/metrics.js';
import { batchParts, refusing } from '../worker/batch-parts.js';

describe('memory:// carries the records themselves', () => {
  it('hands the worker the very objects the app sent, in order, and again after a release', async () => {
    const transport = new MemoryTransport(new URL('memory://'));
    const records = ['a', 'b', 'c'].map((id) => requestMetrics({ id }));
    await transport.sendRecords(records);
    const first = await transport.receive(2, 0);
    expect(first.map((message) => message.record)).toEqual(records.slice(0, 2));
    for (const [i, message] of first.entries()) expect(message.record).toBe(records[i]);
    await transport.release(first);
    const again = await transport.receive(10, 0);
    expect(again.map((message) => message.record?.id)).toEqual(['a', 'b', 'c']);
    expect(again[0]!.record).toBe(records[0]);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 3 });
  });

  it("gives a record's body as the JSON a broker would have carried, for the failure store", async () => {
    const transport = new MemoryTransport(new URL('memory://'));
    const record = requestMetrics({ id: 'r1', correlationId: 'client-id-1', queryRepeat: 3 });
    await transport.sendRecords([record]);
    const [message] = await transport.receive(1, 0);
    expect(decodeRecord(message!.body)).toEqual(record);
  });

  it('decodes and validates only what came as text: a record goes to the sink as it is', async () => {
    const parts = batchParts();
    const seen: (readonly RequestMetrics[])[] = [];
    parts.sink.onIngest = (batch) => {
      seen.push(batch);
    };
    const transport = new MemoryTransport(new URL('memory://'));
    const record = requestMetrics({ id: 'local' });
    await transport.sendRecords([record]);
    await transport.send(['{"not": "a record"}']);
    const tally = await createBatchHandler(parts.shared).handle(await transport.receive(10, 0));
    expect(tally).toEqual({ handled: 1, failed: 1, duplicates: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe(record);
    expect(parts.sink.failureStore.added).toMatchObject([
      { body: '{"not": "a record"}', error: expect.stringMatching(/^PoisonMessageError/) },
    ]);
  });

  it('moves a record the database refuses to the failure store with its JSON and message id', async () => {
    const parts = batchParts({ retry: { maxRetries: 0 } });
    refusing(parts.sink, 'bad');
    const transport = new MemoryTransport(new URL('memory://'));
    const bad = requestMetrics({ id: 'bad' });
    await transport.sendRecords([requestMetrics({ id: 'good' }), bad]);
    await createBatchHandler(parts.shared).handle(await transport.receive(10, 0));
    const [failed] = parts.sink.failureStore.added;
    expect(failed).toMatchObject({ messageId: 'bad' });
    expect(decodeRecord(failed!.body)).toEqual(bad);
  });
});
