import { CompiledQuery } from 'kysely';
import { expect, it, vi } from 'vitest';
import type { ReceivedMessage, Transport } from '../../../src/bus/transport.js';
import { startWorker } from '../../../src/bus/worker/index.js';
import { decodeRecord, encodeRecord } from '../../../src/record/envelope.js';
import type { RequestMetrics } from '../../../src/record/metrics.js';
import type { SharedTransaction } from '../../../src/store/sink.js';
import type { Store } from '../../../src/store/store.js';
import { useTestStores } from '../../store/helpers.js';
import { describeEachDatabase } from '../../support/databases.js';
import { requestMetrics } from '../../support/metrics.js';
import { countsByRouteAndStatus } from '../../support/stores.js';
import { bodies, type Place, queueDsn, useQueues } from './helpers.js';

/** Requests over three routes, one in ten a 500. */
function requests(count: number): RequestMetrics[] {
  return Array.from({ length: count }, (_, i) =>
    requestMetrics({ route: `/route/${i % 3}`, statusCode: i % 10 === 0 ? 500 : 200 }),
  );
}

const counted = countsByRouteAndStatus;

function expected(sent: readonly RequestMetrics[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of sent) {
    const key = `${m.method} ${m.route} ${m.statusCode}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Rows of the queue table as a transaction of the store sees them. */
async function queueRows(trx: SharedTransaction, at: Place): Promise<number> {
  const { rows } = await trx.executeQuery<{ n: number | string }>(
    CompiledQuery.raw(`select count(*) as n from ${at.prefix}messages`),
  );
  return Number(rows[0]!.n);
}

describeEachDatabase((database) => {
  const stores = useTestStores(database);
  const queues = useQueues(database);

  /** A store, and a database://default queue beside it (same database, same prefix). */
  async function storeAndQueue(): Promise<{ store: Store; transport: Transport; at: Place }> {
    const store = stores.open();
    const at = stores.where(store);
    const transport = await queues.open('database://default', at);
    await transport.setup();
    return { store, transport, at };
  }

  it('a worker stores every message, acknowledging each batch in its store transaction', async () => {
    const { store, transport } = await storeAndQueue();
    const sent = requests(300);
    await transport.send(sent.map(encodeRecord));
    const ack = vi.spyOn(transport, 'ack');

    const summary = await startWorker({
      transport,
      sink: store,
      limit: sent.length,
      batchSize: 40,
      sleep: 100,
    }).done;

    expect(summary).toMatchObject({ handled: 300, failed: 0 });
    expect(await counted(store)).toEqual(expected(sent));
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(ack).not.toHaveBeenCalled();
  });

  it('counts a message sent twice once, and takes both copies off the queue', async () => {
    const { store, transport } = await storeAndQueue();
    const sent = requests(100);
    await transport.send(sent.map(encodeRecord));
    await transport.send(sent.map(encodeRecord));

    const summary = await startWorker({ transport, sink: store, limit: 200, batchSize: 30, sleep: 100 }).done;

    expect(summary).toMatchObject({ handled: 200, failed: 0 });
    expect(await counted(store)).toEqual(expected(sent));
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('keeps the queue rows when the store transaction that deleted them rolls back', async () => {
    const { store, transport, at } = await storeAndQueue();
    const sent = requests(20);
    await transport.send(sent.map(encodeRecord));
    const received = await transport.receive(100, 0);
    const acknowledge = transport.acknowledgeInStore?.(received);
    if (!acknowledge) throw new Error('expected the acknowledgement to join the store transaction');
    const metrics = received.map((message) => decodeRecord(message.body));

    let seenInside: number | undefined;
    const failing = store.ingest(metrics, {
      dedupe: true,
      async inTransaction(trx) {
        await acknowledge(trx);
        seenInside = await queueRows(trx, at);
        throw new Error('the transaction fails after the acknowledgement');
      },
    });
    await expect(failing).rejects.toThrow('the transaction fails after the acknowledgement');
    expect(seenInside).toBe(0);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 20 });
    expect(await store.routes()).toEqual([]);

    await store.ingest(metrics, { dedupe: true, inTransaction: acknowledge });
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(await counted(store)).toEqual(expected(sent));
  });

  it("joins the store's transaction only when the queue table is among the store's tables", async () => {
    const { transport, at } = await storeAndQueue();
    const sameTables = await queues.open(queueDsn(at), at);
    const otherPrefix = await queues.open(queueDsn({ ...at, prefix: `${at.prefix}q_` }), at);
    const elsewhere = await queues.open(queueDsn(queues.place()), at);
    const message = [{ body: '{}', handle: 1, redeliveries: 0 }];

    expect(transport.acknowledgeInStore?.(message)).toBeTypeOf('function');
    expect(sameTables.acknowledgeInStore?.(message)).toBeTypeOf('function');
    expect(otherPrefix.acknowledgeInStore?.(message)).toBeUndefined();
    expect(elsewhere.acknowledgeInStore?.(message)).toBeUndefined();
  });

  it('waits for a store transaction of the same process instead of failing or blocking it', async () => {
    const { store, transport } = await storeAndQueue();
    await transport.send(['before']);
    let during: Promise<ReceivedMessage[]> | undefined;
    // On SQLite the transaction holds the write lock until it commits, 300 ms from now.
    await store.ingest([requestMetrics()], {
      async inTransaction() {
        during = transport.send(['during']).then(() => transport.receive(10, 0));
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    const received = await during!;
    expect(bodies(received)).toEqual(['before', 'during']);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 2 });
  });
});
