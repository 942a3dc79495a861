import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import Koa from 'koa';
import { expect, it } from 'vitest';
import { routeperf } from '../../src/adapters/koa.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { createRouteperf } from '../../src/routeperf.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { sqliteRows, sqliteUrl } from '../support/sqlite.js';

const defer = deferAfterEach();

/** Serves a Koa app recorded by routeperf on SQLite; `setUp` adds its parts, routeperf's middleware first. */
async function serve(setUp: (app: Koa, recording: Koa.Middleware) => void, options: RouteperfOptions = {}) {
  const settings = { database: sqliteUrl(), tablePrefix: uniquePrefix(), environment: 'test', ...options };
  const middleware = routeperf(settings);
  const app = new Koa();
  app.silent = true;
  setUp(app, middleware);
  const server = createServer(app.callback());
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
async function recorded(routeperf: Awaited<ReturnType<typeof serve>>['routeperf']) {
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

it('records an answer of a router-level middleware under the route it guarded, not the middleware path', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    const router = new Router();
    router.use(async (ctx, next) => {
      if (ctx.get('authorization') !== 'yes') ctx.throw(401);
      await next();
    });
    router.use('/admin', async (ctx) => {
      ctx.status = 403;
    });
    router.get('/users/:id', (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
    router.get('/admin/stats', (ctx) => {
      ctx.body = 'stats';
    });
    app.use(router.routes());
  });
  const authorized = { headers: { authorization: 'yes' } };
  expect((await get(`${url}/users/1`)).status).toBe(401);
  expect((await get(`${url}/users/2`, authorized)).status).toBe(200);
  expect((await get(`${url}/admin/stats`, authorized)).status).toBe(403);
  expect(await recorded(routeperf)).toEqual({
    'GET /users/:id 401': 1,
    'GET /users/:id 200': 1,
    'GET /admin/stats 403': 1,
  });
});

it('records the routes of a router with a prefix, and of two routers in a row, under their full template', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    const v1 = new Router({ prefix: '/v1' });
    v1.get('/users/:id', (ctx) => {
      ctx.body = 'v1';
    });
    const v2 = new Router({ prefix: '/v2' });
    v2.get('/users/:userId', (ctx) => {
      ctx.body = 'v2';
    });
    app.use(v1.routes()).use(v2.routes());
  });
  for (const path of ['/v1/users/1', '/v2/users/2', '/v2/users/3', '/users/4']) await get(url + path);
  expect(await recorded(routeperf)).toEqual({
    'GET /v1/users/:id 200': 1,
    'GET /v2/users/:userId 200': 2,
    'GET (unmatched) 404': 1,
  });
});

it('puts a method a route does not answer under (unmatched), also when allowedMethods answers it', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(recording);
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      ctx.body = 'user';
    });
    app.use(router.routes()).use(router.allowedMethods());
  });
  expect((await get(`${url}/users/1`, { method: 'DELETE' })).status).toBe(405);
  expect(await recorded(routeperf)).toEqual({ 'DELETE (unmatched) 405': 1 });
});

it('records the status an error-handling middleware before routeperf answered with', async () => {
  const { url, routeperf } = await serve((app, recording) => {
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch {
        ctx.status = 418;
        ctx.body = { error: 'teapot' };
      }
    });
    app.use(recording);
    const router = new Router();
    router.get('/boom', () => {
      throw new Error('boom');
    });
    app.use(router.routes());
  });
  expect(await get(`${url}/boom`)).toEqual({ status: 418, body: '{"error":"teapot"}' });
  expect(await recorded(routeperf)).toEqual({ 'GET /boom 418': 1 });
});

it('hands getUser the Koa context, with what earlier middleware put in ctx.state', async () => {
  const { url, settings } = await serve(
    (app, recording) => {
      app.use(async (ctx, next) => {
        ctx.state.user = ctx.get('x-user') || undefined;
        await next();
      });
      app.use(recording);
      const router = new Router();
      router.get('/me', (ctx) => {
        ctx.body = 'me';
      });
      app.use(router.routes());
    },
    {
      accessRecords: { enabled: true, trackUser: true },
      getUser: (ctx: Koa.Context) => ctx.state.user,
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

it('stores a request whose body is a stream before its client has the whole response', async () => {
  const { url, settings } = await serve((app, recording) => {
    app.use(recording);
    const router = new Router();
    router.get('/export/:format', (ctx) => {
      ctx.type = 'text/csv';
      ctx.body = Readable.from(['id,name\n', '1,alice\n', '2,bob\n']);
    });
    app.use(router.routes());
  });
  const reader = await createRouteperf({
    database: settings.database,
    tablePrefix: settings.tablePrefix,
    environment: 'test',
  });
  defer(() => reader.close());
  for (let i = 1; i <= 3; i++) {
    expect(await get(`${url}/export/csv`)).toEqual({ status: 200, body: 'id,name\n1,alice\n2,bob\n' });
    expect((await reader.routes()).map((route) => [route.route, route.count])).toEqual([
      ['/export/:format', i],
    ]);
  }
});
