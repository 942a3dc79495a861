import { describe, expect, it } from 'vitest';
import type { RouteperfOptions } from '../../src/config/types.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeEachDatabase, dropTables, uniquePrefix } from '../support/databases.js';
import { closeServer, hammer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteUrl } from '../support/sqlite.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { FRAMEWORKS, type Framework } from './frameworks.js';

const defer = deferAfterEach();
const TRANSPORT = 'memory://?batchSize=50&flushInterval=20';

/** Serves `framework`'s app with routeperf in asynchronous mode through the in-process memory transport. */
async function start(framework: Framework, options: RouteperfOptions) {
  const { logger, lines } = capturingLogger();
  const app = framework.build({ environment: 'test', async: true, transport: TRANSPORT, logger, ...options });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await closeServer(app.server);
    await app.close();
  };
  defer(close);
  const routeperf = await app.ready;
  return { url: await listen(app.server), routeperf, lines, close };
}

const portOf = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });

function throughProxy(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.host = `127.0.0.1:${port}`;
  return proxied.toString();
}

/** Counts by "METHOD route status", as a routeperf of its own reads them from the store. */
async function storedCounts(options: RouteperfOptions): Promise<Record<string, number>> {
  const reader = await createRouteperf({ ...options, environment: 'test' });
  try {
    const routes = await reader.routes();
    return Object.fromEntries(
      routes.flatMap((route) =>
        Object.entries(route.statusCodes).map(([status, count]) => [
          `${route.method} ${route.route} ${status}`,
          count,
        ]),
      ),
    );
  } finally {
    await reader.close();
  }
}

async function queriesOf(routeperf: Routeperf, route: string) {
  return (await routeperf.routes()).find((summary) => summary.route === route)?.queries;
}

describe.each(FRAMEWORKS)('$name in asynchronous mode', (framework) => {
  it('records each request once under its template, with its status and queries', async () => {
    const store = { database: sqliteUrl(), tablePrefix: uniquePrefix() };
    const app = await start(framework, store);
    expect(app.routeperf.mode).toEqual({ async: true, transport: TRANSPORT });
    const paths = ['/users/1', '/users/2', '/api/items/7', '/boom', '/api/boom', '/nope', '/queries'];
    const statuses = await hammer((i) => app.url + paths[i], paths.length, 1);
    expect(statuses).toEqual([200, 200, 200, 500, 500, 404, 200]);
    const echo = await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(await echo.json()).toEqual({ n: 1 });

    // Closing hands what the producer still holds to the in-process worker, which stores it.
    await app.close();
    expect(app.routeperf.stats()).toMatchObject({ recorded: 8, stored: 8, dropped: 0, queued: 0 });
    expect(await storedCounts(store)).toEqual({
      'GET /users/:id 200': 2,
      'GET /api/items/:itemId 200': 1,
      'GET /boom 500': 1,
      'GET /api/boom 500': 1,
      'GET (unmatched) 404': 1,
      'GET /queries 200': 1,
      'POST /echo 200': 1,
    });
    const reader = await createRouteperf({ ...store, environment: 'test' });
    defer(() => reader.close());
    expect(await queriesOf(reader, '/queries')).toMatchObject({ avg: 3, max: 3 });
    expect(await queriesOf(reader, '/echo')).toMatchObject({ avg: 1, max: 1 });
    expect(app.lines.error).toEqual([]);
  });

  describeEachDatabase(
    (database) => {
      it('answers every request while the database hangs, and stores them all once it answers again', async () => {
        const proxy = await TcpProxy.start(portOf(database.url()));
        const store = { database: throughProxy(database.url(), proxy.port), tablePrefix: uniquePrefix() };
        // Synchronous mode would hold every response this long: the test would time out.
        const app = await start(framework, { ...store, syncTimeout: 10 * 60_000 });
        defer(() => proxy.close());
        defer(() => dropTables(database.url(), store.tablePrefix));
        proxy.hold();
        const statuses = await hammer((i) => `${app.url}/users/${i}`, 20, 5);
        expect(statuses).toEqual(Array(20).fill(200));
        expect(app.routeperf.stats().stored).toBe(0);
        proxy.heal();
        await app.close();
        expect(app.routeperf.stats()).toMatchObject({ recorded: 20, stored: 20, dropped: 0, queued: 0 });
        expect(await storedCounts({ ...store, database: database.url() })).toEqual({
          'GET /users/:id 200': 20,
        });
      });
    },
    ['postgres'],
  );
});
