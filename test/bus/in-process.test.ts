import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import routeperf from '../../src/adapters/fastify.js';
import { hammer } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteUrl } from '../support/sqlite.js';
import { blackhole } from '../support/tcp-proxy.js';

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function asyncApp(transport: string) {
  const { logger, lines } = capturingLogger();
  const app = Fastify();
  apps.push(app);
  await app.register(routeperf, {
    database: sqliteUrl(),
    environment: 'test',
    async: true,
    transport,
    logger,
  });
  app.get('/users/:id', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, address, lines };
}

describe.each(['sync://', 'memory://?batchSize=50&flushInterval=20'])(
  'async mode through %s',
  (transport) => {
    it('records every request exactly once', async () => {
      const { app, address, lines } = await asyncApp(transport);
      expect(app.routeperf.mode).toEqual({
        async: true,
        transport: transport.startsWith('sync') ? 'sync://' : transport,
      });
      const statuses = await hammer((i) => `${address}${i % 10 === 0 ? '/boom' : `/users/${i}`}`, 300, 30);
      expect(statuses.filter((status) => status === 200)).toHaveLength(270);
      await app.routeperf.close();
      expect(app.routeperf.stats()).toMatchObject({ recorded: 300, stored: 300, dropped: 0, queued: 0 });
      const rows = await reopen(app.routeperf.config.database);
      expect(rows).toEqual({ 'GET /boom 500': 30, 'GET /users/:id 200': 270 });
      expect(lines.error).toEqual([]);
    });
  },
);

async function reopen(database: string) {
  const { createRouteperf } = await import('../../src/routeperf.js');
  const reader = await createRouteperf({ database, environment: 'test' });
  const routes = await reader.routes();
  await reader.close();
  return Object.fromEntries(
    routes.flatMap((route) =>
      Object.entries(route.statusCodes).map(([status, count]) => [
        `${route.method} ${route.route} ${status}`,
        count,
      ]),
    ),
  );
}

describe('async mode with a database that hangs', () => {
  it('answers every request at once and counts what close() could not store as dropped', async () => {
    const hang = await blackhole();
    const { logger, lines } = capturingLogger();
    const app = Fastify();
    await app.register(routeperf, {
      database: `postgres://postgres@127.0.0.1:${hang.port}/test`,
      environment: 'test',
      async: true,
      transport: 'memory://?batchSize=10&flushInterval=20',
      // Synchronous mode would hold every response this long: the test would time out.
      syncTimeout: 10 * 60_000,
      logger,
    });
    app.get('/users/:id', async () => ({ ok: true }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const statuses = await hammer((i) => `${address}/users/${i}`, 40, 10);
    expect(statuses).toEqual(Array(40).fill(200));
    await app.close();
    await hang.close();
    expect(app.routeperf.stats()).toMatchObject({ recorded: 40, stored: 0, dropped: 40, queued: 0 });
    expect(lines.error.some((line) => line.includes('40 request(s) not stored'))).toBe(true);
  });
});
