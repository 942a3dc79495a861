import { expect, it, vi } from 'vitest';
import type { Transport } from '../../../src/bus/transport.js';
import { startWorker } from '../../../src/bus/worker/index.js';
import { decodeRecord, encodeRecord } from '../../../src/record/envelope.js';
import type { RequestMetrics } from '../../../src/record/metrics.js';
import {
  AMQP_HOST,
  AMQP_PORT,
  amqpDsn,
  backgroundErrors,
  describeWithRabbitMQ,
  useAmqp,
} from '../../support/amqp.js';
import { deferAfterEach } from '../../support/cleanup.js';
import { capturingLogger } from '../../support/logger.js';
import { requestMetrics } from '../../support/metrics.js';
import { countsByRouteAndStatus, useSqliteStores } from '../../support/stores.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

const openStore = useSqliteStores();

/** N requests over three routes and two statuses. */
function requests(count: number): RequestMetrics[] {
  return Array.from({ length: count }, (_, i) =>
    requestMetrics({ route: `/r${i % 3}`, statusCode: i % 10 === 0 ? 500 : 200 }),
  );
}

async function sendAll(transport: Transport, metrics: RequestMetrics[]) {
  const messages = metrics.map(encodeRecord);
  for (let i = 0; i < messages.length; i += 500) await transport.send(messages.slice(i, i + 500));
}

const counts = countsByRouteAndStatus;

function expected(metrics: RequestMetrics[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const m of metrics) {
    const key = `${m.method} ${m.route} ${m.statusCode}`;
    result[key] = (result[key] ?? 0) + 1;
  }
  return result;
}

describeWithRabbitMQ('the worker on an amqp transport', () => {
  const amqp = useAmqp();
  const defer = deferAfterEach();

  it('stores every message once, duplicates included', async () => {
    const queue = amqp.queue();
    const producer = await amqp.open(amqpDsn(queue));
    await producer.setup();
    const sent = requests(1500);
    const duplicates = sent.slice(0, 200);
    await sendAll(producer, sent);
    await sendAll(producer, duplicates);

    const store = openStore();
    const transport = await amqp.open(amqpDsn(queue));
    const worker = startWorker({ transport, sink: store, batchSize: 500, sleep: 500, limit: 1700 });
    const summary = await worker.done;

    expect(summary).toMatchObject({ reason: 'limit', handled: 1700, failed: 0 });
    expect(await counts(store)).toEqual(expected(sent));
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('counts once what a consumer stored and could not acknowledge before it died', async () => {
    const queue = amqp.queue();
    const producer = await amqp.open(amqpDsn(queue));
    await producer.setup();
    const sent = requests(800);
    await sendAll(producer, sent);
    const store = openStore();

    // A worker that stores a batch and dies before its acknowledgement reaches RabbitMQ.
    const dying = await amqp.open(amqpDsn(queue));
    const batch = await dying.receive(300, 2000);
    expect(batch.length).toBeGreaterThan(0);
    await store.ingest(
      batch.map((message) => decodeRecord(message.body)),
      { dedupe: true },
    );
    await dying.close();

    const transport = await amqp.open(amqpDsn(queue));
    const summary = await startWorker({ transport, sink: store, batchSize: 500, sleep: 500, limit: 800 })
      .done;
    expect(summary).toMatchObject({ reason: 'limit', handled: 800, failed: 0 });
    expect(await counts(store)).toEqual(expected(sent));
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('waits for a broker that is down when it starts', async () => {
    const queue = amqp.queue();
    const producer = await amqp.open(amqpDsn(queue));
    await producer.setup();
    const sent = requests(700);
    await sendAll(producer, sent);
    const store = openStore();
    const proxy = await TcpProxy.start({ host: AMQP_HOST, port: AMQP_PORT });
    defer(() => proxy.close());
    proxy.cut();
    const transport = await amqp.open(amqpDsn(queue, {}, proxy.port));

    const { logger, lines } = capturingLogger();
    const worker = startWorker({
      transport,
      sink: store,
      limit: 700,
      sleep: 200,
      retry: { delay: 50 },
      logger,
    });
    await vi.waitFor(() => expect(lines.error.join('\n')).toMatch(/is unavailable, retrying/));
    proxy.heal();
    expect(await worker.done).toMatchObject({ reason: 'limit', handled: 700, failed: 0 });
    expect(await counts(store)).toEqual(expected(sent));
  });

  it('rides out a connection drop between storing a batch and acknowledging it', async () => {
    const queue = amqp.queue();
    const producer = await amqp.open(amqpDsn(queue));
    await producer.setup();
    const sent = requests(5000);
    await sendAll(producer, sent);
    const store = openStore();
    const proxy = await TcpProxy.start({ host: AMQP_HOST, port: AMQP_PORT });
    defer(() => proxy.close());
    const { errors, context } = backgroundErrors();
    const transport = await amqp.open(amqpDsn(queue, {}, proxy.port), context);

    // The connection drops right after the third batch is received: its acknowledgement must fail.
    let batches = 0;
    const dropping: Transport = {
      description: transport.description,
      durable: transport.durable,
      causeOf: (error) => transport.causeOf(error),
      setup: () => transport.setup(),
      send: (messages) => transport.send(messages),
      receive: async (max, waitMs) => {
        const batch = await transport.receive(max, waitMs);
        if (batch.length > 0 && ++batches === 3) {
          proxy.cut();
          await vi.waitFor(() => expect(errors).not.toEqual([]));
          proxy.heal();
        }
        return batch;
      },
      ack: (messages) => transport.ack(messages),
      release: (messages) => transport.release(messages),
      stats: () => transport.stats(),
      close: () => transport.close(),
    };
    const { logger, lines } = capturingLogger();
    const worker = startWorker({ transport: dropping, sink: store, batchSize: 500, sleep: 200, logger });
    await vi.waitFor(async () => expect(await counts(store)).toEqual(expected(sent)), { timeout: 30_000 });
    worker.stop();
    expect(await worker.done).toMatchObject({ reason: 'stopped', failed: 0 });
    expect(lines.warn.filter((line) => line.includes('message failed'))).toEqual([]);
  });
});
