import Fastify from 'fastify';
import { expect, it } from 'vitest';
import routeperf from '../../../src/adapters/fastify.js';
import { createRouteperf } from '../../../src/routeperf.js';
import { deferAfterEach } from '../../support/cleanup.js';
import { describeEachDatabase } from '../../support/databases.js';
import { hammer } from '../../support/http.js';
import { capturingLogger } from '../../support/logger.js';
import { ownDatabaseFor } from '../../support/own-database.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

const defer = deferAfterEach();

const MAX_QUEUE = 200;
const REQUESTS = 3000;

const until = async (condition: () => Promise<boolean> | boolean, what: string) => {
  const deadline = Date.now() + 120_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Requests stored in the database, read through a connection of the test's own. */
async function storedCount(database: string) {
  const reader = await createRouteperf({ database, environment: 'test', autoSetup: false });
  try {
    return (await reader.routes()).reduce((sum, route) => sum + route.count, 0);
  } finally {
    await reader.close();
  }
}

describeEachDatabase(
  (database) => {
    it.each(['drop', 'store'] as const)(
      'memory:// stays bounded while the database hangs (overflow: %s), counts what it drops, and stores the rest once the database answers',
      async (overflow) => {
        const own = await ownDatabaseFor(database);
        defer(own.drop);
        const server = new URL(own.url);
        const proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port) });
        defer(() => proxy.close());
        const throughProxy = new URL(own.url);
        throughProxy.port = String(proxy.port);

        const { logger, lines } = capturingLogger();
        const app = Fastify();
        await app.register(routeperf, {
          database: throughProxy.href,
          environment: 'test',
          async: true,
          transport: `memory://?maxQueue=${MAX_QUEUE}&batchSize=50&flushInterval=10`,
          overflow,
          logger,
        });
        app.get('/users/:id', async () => ({ ok: true }));
        const address = await app.listen({ port: 0, host: '127.0.0.1' });
        defer(() => app.close());
        const stats = () => app.routeperf.stats();

        // The tables exist and the pool holds a live connection before the database stops answering.
        await hammer((i) => `${address}/users/${i}`, 1);
        await until(() => stats().stored === 1, 'the first request stored');
        proxy.hold();

        let mostQueued = 0;
        const sampler = setInterval(() => {
          mostQueued = Math.max(mostQueued, stats().queued);
        }, 5);
        const startedAt = Date.now();
        const statuses = await hammer((i) => `${address}/users/${i}`, REQUESTS, 50);
        const loadMs = Date.now() - startedAt;
        clearInterval(sampler);
        mostQueued = Math.max(mostQueued, stats().queued);

        expect(statuses.filter((status) => status === 200)).toHaveLength(REQUESTS);
        // The transport holds MAX_QUEUE at most; the 'store' overflow adds as many direct writes waiting.
        expect(mostQueued).toBeLessThanOrEqual(overflow === 'drop' ? MAX_QUEUE : 2 * MAX_QUEUE);
        expect(stats().recorded).toBe(REQUESTS + 1);
        expect(stats().dropped).toBeGreaterThanOrEqual(REQUESTS - 2 * MAX_QUEUE);
        // Logged, but a few lines for thousands of drops: at most one per 10 s of load, per kind.
        const dropLines = lines.error.filter((line) => line.includes('dropped'));
        expect(dropLines.length).toBeGreaterThan(0);
        expect(dropLines.length).toBeLessThanOrEqual(2 * (Math.ceil(loadMs / 10_000) + 1));

        proxy.heal();
        await until(() => stats().queued === 0, 'the held messages stored');
        const { recorded, stored, dropped } = stats();
        expect(stored + dropped).toBe(recorded);
        expect(stored).toBeGreaterThanOrEqual(MAX_QUEUE);
        expect(await storedCount(own.url)).toBe(stored);
      },
      180_000,
    );
  },
  ['postgres'],
);
