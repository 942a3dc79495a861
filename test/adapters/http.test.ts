import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { expect, it } from 'vitest';
import { type HttpRouteperfOptions, withRouteperf } from '../../src/adapters/http.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteUrl } from '../support/sqlite.js';

const defer = deferAfterEach();

/** Serves `handler` wrapped by routeperf on SQLite; returns its URL and the routeperf. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: HttpRouteperfOptions = {},
) {
  const listener = withRouteperf(handler, {
    database: sqliteUrl(),
    tablePrefix: uniquePrefix(),
    environment: 'test',
    ...options,
  });
  const server = createServer(listener);
  defer(async () => {
    await closeServer(server);
    await listener.close();
  });
  return { url: await listen(server), routeperf: await listener.ready };
}

it('by default names numeric, UUID and long hex segments :id, and keeps the rest', async () => {
  const { url, routeperf } = await serve((_, res) => res.end('ok'));
  for (const path of [
    '/users/42',
    '/users/7?tab=1',
    '/users/42/posts/0f9c2e4a-1b2c-4d5e-8f90-123456789abc',
    '/blobs/deadbeefdeadbeef01',
    '/blobs/cafe',
    '/about',
  ]) {
    await (await fetch(url + path)).text();
  }
  const routes = await routeperf.routes({ sort: 'route' });
  expect(routes.map((route) => [route.route, route.count])).toEqual([
    ['/about', 1],
    ['/blobs/:id', 1],
    ['/blobs/cafe', 1],
    ['/users/:id', 2],
    ['/users/:id/posts/:id', 1],
  ]);
});

it('gives the first body to a handler that ends its response twice, as without routeperf', async () => {
  const { url, routeperf } = await serve((_, res) => {
    res.end('first');
    if (!res.writableEnded) res.end();
  });
  const response = await fetch(`${url}/twice`);
  expect({ status: response.status, body: await response.text() }).toEqual({ status: 200, body: 'first' });
  expect((await routeperf.routes()).map((route) => route.count)).toEqual([1]);
});

it('logs a routeOf that throws and records the request as unmatched, its response unchanged', async () => {
  const { logger, lines } = capturingLogger();
  const { url, routeperf } = await serve((_, res) => res.end('ok'), {
    logger,
    routeOf: (req) => decodeURIComponent(req.url ?? '/'),
  });
  const response = await fetch(`${url}/files/%E0%A4%A`);
  expect({ status: response.status, body: await response.text() }).toEqual({ status: 200, body: 'ok' });
  expect((await routeperf.routes()).map((route) => [route.route, route.count])).toEqual([['(unmatched)', 1]]);
  expect(lines.error).toEqual([expect.stringContaining('routeOf')]);
});

it.each([
  ['writeHead', (res: ServerResponse) => res.writeHead(200, { 'Content-Length': '5' })],
  ['setHeader', (res: ServerResponse) => res.setHeader('content-length', 5)],
])(
  'stores a request whose body reached its Content-Length (set by %s) through write(), before its client has it',
  async (_, setLength) => {
    const ends: (() => void)[] = [];
    const { url, routeperf } = await serve((_, res) => {
      setLength(res);
      res.write('hel');
      res.write('lo');
      ends.push(() => res.end());
    });
    defer(async () => {
      for (const end of ends) end();
    });
    const response = await fetch(`${url}/written`);
    expect(await response.text()).toBe('hello');
    expect((await routeperf.routes()).map((route) => [route.route, route.count])).toEqual([['/written', 1]]);
  },
);
