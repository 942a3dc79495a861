import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { stream } from 'hono/streaming';
import { expect, it } from 'vitest';
import { routeperf } from '../../src/adapters/hono.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteRows, sqliteUrl } from '../support/sqlite.js';

const defer = deferAfterEach();

type AppEnv = { Variables: { user: string | undefined } };

function settingsOf(options: RouteperfOptions) {
  return { database: sqliteUrl(), tablePrefix: uniquePrefix(), environment: 'test', ...options };
}

/** Serves a Hono app recorded by routeperf on SQLite; `setUp` adds its parts, routeperf's middleware first. */
async function serve(
  setUp: (app: Hono<AppEnv>, recording: MiddlewareHandler) => void,
  options: RouteperfOptions = {},
) {
  const settings = settingsOf(options);
  const middleware = routeperf(settings);
  const app = new Hono<AppEnv>();
  setUp(app, middleware);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  defer(async () => {
    await closeServer(server);
    await middleware.close();
  });
  return { url: await listen(server), routeperf: await middleware.ready, settings };
}

async function get(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text() };
}

/** "METHOD route status" → count. */
async function recorded(routeperf: Routeperf) {
  const routes = await routeperf.routes();
  return Object.fromEntries(
    routes.flatMap((route) =>
      Object.entries(route.statusCodes).map(([status, count]) => [
        `${route.method} ${route.route} ${status}`,
        count,
      ]),
    ),
  );
}

it('puts requests that only passed through middleware of every route under (unmatched)', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    app.use(async (c, next) => {
      await next();
      c.header('x-seen', 'yes');
    });
    app.get('/users/:id', (c) => c.text('user'));
  });
  const missing = await fetch(`${url}/nope`);
  expect({ status: missing.status, seen: missing.headers.get('x-seen') }).toEqual({
    status: 404,
    seen: 'yes',
  });
  await get(`${url}/users/1`);
  expect(await recorded(routeperf)).toEqual({ 'GET (unmatched) 404': 1, 'GET /users/:id 200': 1 });
});

it("puts requests the app's not-found handler answered under (unmatched), whatever their status", async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    app.get('/users/:id', (c) => c.text('user'));
    // A single-page app's fallback: every other path gets the page.
    app.notFound((c) => c.html('<main>app</main>', 200));
  });
  expect(await get(`${url}/settings/profile`)).toEqual({ status: 200, body: '<main>app</main>' });
  expect(await recorded(routeperf)).toEqual({ 'GET (unmatched) 200': 1 });
});

it('records a middleware that answers itself under its path, and app.all routes under theirs', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    app.use('/admin/*', async (c, next) => {
      if (c.req.header('authorization') !== 'yes') return c.text('no', 401);
      await next();
    });
    app.get('/admin/stats', (c) => c.text('stats'));
    app.all('/graphql', (c) => c.json({ data: {} }));
  });
  expect((await get(`${url}/admin/stats`)).status).toBe(401);
  expect((await get(`${url}/admin/stats`, { headers: { authorization: 'yes' } })).status).toBe(200);
  expect((await get(`${url}/graphql`, { method: 'POST' })).status).toBe(200);
  expect(await recorded(routeperf)).toEqual({
    'GET /admin/* 401': 1,
    'GET /admin/stats 200': 1,
    'POST /graphql 200': 1,
  });
});

it('records the routes of an app with a base path and of routed sub-apps under their full template', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    const v1 = new Hono().basePath('/v1');
    const users = new Hono();
    users.get('/:id', (c) => c.text(`user ${c.req.param('id')}`));
    v1.route('/users', users);
    app.route('/', v1);
  });
  expect(await get(`${url}/v1/users/7`)).toEqual({ status: 200, body: 'user 7' });
  await get(`${url}/users/7`);
  expect(await recorded(routeperf)).toEqual({ 'GET /v1/users/:id 200': 1, 'GET (unmatched) 404': 1 });
});

it('hands getUser the Hono context, with what earlier middleware set on it', async () => {
  const { url, settings } = await serve(
    (app, recording) => {
      app.use(async (c, next) => {
        c.set('user', c.req.header('x-user'));
        await next();
      });
      app.use(recording);
      app.get('/me', (c) => c.text('me'));
    },
    {
      accessRecords: { enabled: true, trackUser: true },
      getUser: (c: { get(key: 'user'): string | undefined }) => c.get('user'),
    },
  );
  await get(`${url}/me?tab=1`, { headers: { 'x-user': 'alice' } });
  await get(`${url}/me`);
  const rows = sqliteRows<{ path: string; user_id: string | null }>(
    settings.database,
    `select path, user_id from ${settings.tablePrefix}access_records order by id`,
  );
  expect(rows).toEqual([
    { path: '/me?tab=1', user_id: 'alice' },
    { path: '/me', user_id: null },
  ]);
});

it('stores a request whose response is streamed before its client has the whole response', async () => {
  const { url, settings } = await serve((app, recording) => {
    app.use(recording);
    app.get('/export/:format', (c) =>
      stream(c, async (out) => {
        for (const line of ['id,name\n', '1,alice\n', '2,bob\n']) await out.write(line);
      }),
    );
  });
  const { database, tablePrefix } = settings;
  const reader = await createRouteperf({ database, tablePrefix, environment: 'test' });
  defer(() => reader.close());
  for (let i = 1; i <= 3; i++) {
    expect(await get(`${url}/export/csv`)).toEqual({ status: 200, body: 'id,name\n1,alice\n2,bob\n' });
    expect((await reader.routes()).map((route) => [route.route, route.count])).toEqual([
      ['/export/:format', i],
    ]);
  }
});

it('outside @hono/node-server, serves requests unrecorded and says so once', async () => {
  const { logger, lines } = capturingLogger();
  const middleware = routeperf(settingsOf({ logger }));
  defer(() => middleware.close());
  const app = new Hono();
  app.use(middleware);
  app.get('/users/:id', (c) => c.text(`user ${c.req.param('id')}`));
  const started = await middleware.ready;
  for (const id of [1, 2]) {
    const response = await app.request(`/users/${id}`);
    expect(await response.text()).toBe(`user ${id}`);
  }
  expect(started.stats()).toMatchObject({ recorded: 0 });
  expect(lines.warn).toEqual([expect.stringContaining('@hono/node-server')]);
});
