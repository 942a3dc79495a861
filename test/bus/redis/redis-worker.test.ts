import Fastify from 'fastify';
import { afterAll, expect, it } from 'vitest';
import routeperf from '../../../src/adapters/fastify.js';
import { startWorker } from '../../../src/bus/worker/index.js';
import { encodeRecord } from '../../../src/record/envelope.js';
import type { RequestMetrics } from '../../../src/record/metrics.js';
import { internalsOf } from '../../../src/routeperf/internals.js';
import { createRouteperf } from '../../../src/routeperf.js';
import { hammer } from '../../support/http.js';
import { capturingLogger } from '../../support/logger.js';
import { requestMetrics } from '../../support/metrics.js';
import { describeWithRedis, REDIS_URL, useRedisStreams } from '../../support/redis.js';
import { sqliteUrl } from '../../support/sqlite.js';
import { countsByRouteAndStatus, useSqliteStores } from '../../support/stores.js';

const ROUTES = ['/users/:id', '/orders', '/orders/:id/items', '/health'];

/** `count` requests spread over ROUTES, a tenth of them answered 500. */
function requests(count: number): RequestMetrics[] {
  return Array.from({ length: count }, (_, i) =>
    requestMetrics({ route: ROUTES[i % ROUTES.length]!, statusCode: i % 10 === 0 ? 500 : 200 }),
  );
}

/** Requests per `METHOD route status`, as the store counts them. */
function tally(metrics: RequestMetrics[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { method, route, statusCode } of metrics) {
    const key = `${method} ${route} ${statusCode}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describeWithRedis('redis transport with the worker', () => {
  const redis = useRedisStreams();
  afterAll(() => redis.close());
  const openStore = useSqliteStores();

  const stored = countsByRouteAndStatus;

  /** Sends `messages` in the producer's batches of at most 500. */
  async function sendAll(transport: { send(messages: string[]): Promise<void> }, messages: string[]) {
    for (let i = 0; i < messages.length; i += 500) await transport.send(messages.slice(i, i + 500));
  }

  it('stores every message sent, once, and leaves the stream empty', async () => {
    const stream = redis.stream();
    const producer = await redis.open(stream, 'consumer=producer');
    await producer.setup();
    const sent = requests(1200);
    await sendAll(producer, sent.map(encodeRecord));

    const store = openStore();
    const transport = await redis.open(stream, 'consumer=worker');
    const summary = await startWorker({ transport, sink: store, limit: sent.length, sleep: 100 }).done;
    expect(summary).toMatchObject({ reason: 'limit', handled: 1200, failed: 0 });
    expect(await stored(store)).toEqual(tally(sent));
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(await redis.admin.xlen(stream)).toBe(0);
  });

  it('counts a message delivered twice once', async () => {
    const stream = redis.stream();
    const producer = await redis.open(stream, 'consumer=producer');
    await producer.setup();
    const sent = requests(600);
    // The same ids twice: what a producer's retry after a lost XADD reply does.
    await sendAll(producer, sent.map(encodeRecord));
    await sendAll(producer, sent.map(encodeRecord));

    const store = openStore();
    const transport = await redis.open(stream, 'consumer=worker');
    const summary = await startWorker({ transport, sink: store, limit: 1200, sleep: 100 }).done;
    expect(summary).toMatchObject({ handled: 1200, failed: 0 });
    expect(await stored(store)).toEqual(tally(sent));
  });

  it("stores a crashed worker's messages through another worker, none lost and none twice", async () => {
    const stream = redis.stream();
    const producer = await redis.open(stream, 'consumer=producer');
    await producer.setup();
    const sent = requests(1000);
    await sendAll(producer, sent.map(encodeRecord));

    // The first worker took a batch and died before storing it.
    const crashed = await redis.open(stream, 'consumer=crashed');
    expect(await crashed.receive(300, 1000)).toHaveLength(300);
    await crashed.close();

    const store = openStore();
    const transport = await redis.open(stream, 'consumer=survivor&redeliveryTimeout=200');
    const summary = await startWorker({ transport, sink: store, limit: sent.length, sleep: 100 }).done;
    expect(summary).toMatchObject({ handled: 1000, failed: 0 });
    expect(await stored(store)).toEqual(tally(sent));
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('moves an unreadable message to the failure store and stores the rest', async () => {
    const stream = redis.stream();
    const producer = await redis.open(stream, 'consumer=producer');
    await producer.setup();
    const sent = requests(20);
    await producer.send([
      ...sent.slice(0, 10).map(encodeRecord),
      '{not json',
      ...sent.slice(10).map(encodeRecord),
    ]);
    // An entry another program added without routeperf's field.
    await redis.admin.xadd(stream, '*', 'foreign', 'entry');

    const store = openStore();
    const transport = await redis.open(stream, 'consumer=worker');
    const summary = await startWorker({ transport, sink: store, limit: 22, sleep: 100 }).done;
    expect(summary).toMatchObject({ handled: 20, failed: 2 });
    expect(await stored(store)).toEqual(tally(sent));
    const failed = await (await store.failures()).list();
    expect(failed.map((failure) => failure.body).sort()).toEqual(['{"foreign":"entry"}', '{not json']);
    expect(await redis.admin.xlen(stream)).toBe(0);
  });

  it('records the requests of an app in async mode through the stream', async () => {
    const stream = redis.stream();
    const database = sqliteUrl();
    const { logger, lines } = capturingLogger();
    const app = Fastify();
    await app.register(routeperf, {
      database,
      environment: 'test',
      async: true,
      transport: `${REDIS_URL}/${stream}`,
      logger,
    });
    app.get('/users/:id', async () => ({ ok: true }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const statuses = await hammer((i) => `${address}/users/${i}`, 300, 30);
      expect(statuses.every((status) => status === 200)).toBe(true);
    } finally {
      await app.close();
      await app.routeperf.close();
    }
    expect(app.routeperf.stats()).toMatchObject({ recorded: 300, sent: 300, dropped: 0, queued: 0 });
    expect(lines.error).toEqual([]);

    const readerHandle = await createRouteperf({ database, environment: 'test' });
    const reader = internalsOf(readerHandle);
    try {
      const transport = await redis.open(stream, 'consumer=worker');
      const summary = await startWorker({ transport, sink: reader.store, limit: 300, sleep: 100 }).done;
      expect(summary).toMatchObject({ handled: 300, failed: 0 });
      expect(await stored(reader.store)).toEqual({ 'GET /users/:id 200': 300 });
    } finally {
      await readerHandle.close();
    }
  });
});
