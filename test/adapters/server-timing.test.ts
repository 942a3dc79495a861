import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { routeperf as routeperfMiddleware } from '../../src/adapters/express.js';
import routeperfPlugin from '../../src/adapters/fastify.js';
import { routeperf as routeperfHono } from '../../src/adapters/hono.js';
import { withRouteperf } from '../../src/adapters/http.js';
import { routeperf as routeperfKoa } from '../../src/adapters/koa.js';
import { ROUTEPERF, RouteperfModule } from '../../src/adapters/nest.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { trackQuery } from '../../src/core/scope.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { sqliteUrl } from '../support/sqlite.js';
import { controller, NEST_PLATFORMS, type NestPlatform, nestApp } from './nest-app.js';

const defer = deferAfterEach();

/** An app's own Server-Timing entry, which routeperf's must join rather than replace. */
const OWN_TIMING = 'cache;desc="hit"';
const PLAIN = { 'content-type': 'text/plain' };

/** Two queries, one of them after an await. */
async function twoQueries(): Promise<void> {
  trackQuery(() => 'sync');
  await trackQuery(() => new Promise((resolve) => setTimeout(resolve, 2)));
}

/** Serves /queries, /own (sets its own Server-Timing) and /created (an explicit writeHead) with routeperf. */
interface TimingApp {
  name: string;
  build(options: RouteperfOptions): { server: Server; ready: PromiseLike<unknown>; close(): Promise<void> };
}

const APPS: TimingApp[] = [
  {
    name: 'express',
    build(options) {
      const middleware = routeperfMiddleware(options);
      const app = express();
      app.use(middleware);
      app.get('/queries', async (_req, res) => {
        await twoQueries();
        res.json({ queries: 2 });
      });
      app.get('/own', (_req, res) => {
        res.set('Server-Timing', OWN_TIMING).send('own');
      });
      app.get('/created', (_req, res) => {
        res.writeHead(201, PLAIN).end('made');
      });
      return { server: createServer(app), ready: middleware.ready, close: () => middleware.close() };
    },
  },
  {
    name: 'fastify',
    build(options) {
      const app = Fastify();
      app.register(routeperfPlugin, options);
      app.get('/queries', async () => {
        await twoQueries();
        return { queries: 2 };
      });
      app.get('/own', (_request, reply) => reply.header('Server-Timing', OWN_TIMING).send('own'));
      app.get('/created', (_request, reply) => {
        reply.hijack();
        reply.raw.writeHead(201, PLAIN).end('made');
      });
      return { server: app.server, ready: app.ready(), close: () => app.close() };
    },
  },
  {
    name: 'node:http',
    build(options) {
      const handler = async (req: IncomingMessage, res: ServerResponse) => {
        if (req.url === '/queries') {
          await twoQueries();
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ queries: 2 }));
        } else if (req.url === '/own') {
          res.setHeader('Server-Timing', OWN_TIMING);
          res.end('own');
        } else {
          res.writeHead(201, PLAIN).end('made');
        }
      };
      const listener = withRouteperf(handler, options);
      return { server: createServer(listener), ready: listener.ready, close: () => listener.close() };
    },
  },
  {
    name: 'koa',
    build(options) {
      const middleware = routeperfKoa(options);
      const app = new Koa();
      const router = new Router();
      router.get('/queries', async (ctx) => {
        await twoQueries();
        ctx.body = { queries: 2 };
      });
      router.get('/own', (ctx) => {
        ctx.set('Server-Timing', OWN_TIMING);
        ctx.body = 'own';
      });
      router.get('/created', (ctx) => {
        ctx.respond = false;
        ctx.res.writeHead(201, PLAIN).end('made');
      });
      app.use(middleware).use(router.routes());
      return {
        server: createServer(app.callback()),
        ready: middleware.ready,
        close: () => middleware.close(),
      };
    },
  },
  {
    name: 'hono',
    build(options) {
      const middleware = routeperfHono(options);
      const app = new Hono<{ Bindings: HttpBindings }>();
      app.use(middleware);
      app.get('/queries', async (c) => {
        await twoQueries();
        return c.json({ queries: 2 });
      });
      app.get('/own', (c) => {
        c.header('Server-Timing', OWN_TIMING);
        return c.text('own');
      });
      app.get('/created', (c) => {
        c.env.outgoing.writeHead(201, PLAIN).end('made');
        return RESPONSE_ALREADY_SENT;
      });
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      return { server, ready: middleware.ready, close: () => middleware.close() };
    },
  },
  ...NEST_PLATFORMS.map(nestTimingApp),
];

/** The same three routes in Nest, whose handlers get the platform's request and response. */
function nestTimingApp(platform: NestPlatform): TimingApp {
  const routes = controller('', [
    {
      method: 'GET',
      path: '/queries',
      async handle(_req, res) {
        await twoQueries();
        res.send({ queries: 2 });
      },
    },
    {
      method: 'GET',
      path: '/own',
      handle: (_req, res) => res.header('Server-Timing', OWN_TIMING).send('own'),
    },
    {
      method: 'GET',
      path: '/created',
      handle(_req, res) {
        // Fastify is told the response is the app's; Express's response is node's own.
        if (platform === 'fastify') res.hijack();
        (res.raw ?? res).writeHead(201, PLAIN).end('made');
      },
    },
  ]);
  return {
    name: `nest on ${platform}`,
    build(options) {
      const { server, started } = nestApp(platform, {
        imports: [RouteperfModule.forRoot(options)],
        controllers: [routes],
      });
      const ready = started.then((app) => app.get(ROUTEPERF));
      return { server, ready, close: async () => (await started.catch(() => undefined))?.close() };
    },
  };
}

async function start(app: TimingApp, options: RouteperfOptions): Promise<string> {
  const built = app.build({ database: sqliteUrl(), tablePrefix: uniquePrefix(), ...options });
  defer(async () => {
    await closeServer(built.server);
    await built.close();
  });
  await built.ready;
  return listen(built.server);
}

/** The entries of a Server-Timing header by name, each with its parameters. */
function parseTiming(header: string): Record<string, Record<string, string>> {
  const entries = header.split(',').map((entry) => {
    const [name, ...params] = entry.trim().split(';');
    const pairs = params.map((param) => {
      const [key, value = ''] = param.split('=');
      return [key!.trim(), value.trim().replace(/^"(.*)"$/, '$1')];
    });
    return [name!.trim(), Object.fromEntries(pairs)];
  });
  return Object.fromEntries(entries);
}

function expectDuration(value: string | undefined) {
  expect(value).toMatch(/^\d+\.\d$/);
  expect(Number(value)).toBeGreaterThanOrEqual(0);
}

async function get(url: string) {
  const response = await fetch(url);
  const body = await response.text();
  return { status: response.status, body, headers: response.headers };
}

describe.each(APPS)('Server-Timing with $name', (app) => {
  it('gives the app time and the query time and count of the request', async () => {
    const url = await start(app, { environment: 'test', serverTiming: true });
    const response = await get(`${url}/queries`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ queries: 2 });
    const timing = parseTiming(response.headers.get('server-timing')!);
    expect(Object.keys(timing)).toEqual(['app', 'db']);
    expectDuration(timing.app!.dur);
    expectDuration(timing.db!.dur);
    expect(timing.db!.desc).toBe('2 queries');
    expect(response.headers.get('timing-allow-origin')).toBeNull();
  });

  it('is off by default in production and on by default in development', async () => {
    const production = await start(app, { environment: 'production' });
    expect((await get(`${production}/queries`)).headers.get('server-timing')).toBeNull();
    const development = await start(app, { environment: 'development' });
    expect((await get(`${development}/queries`)).headers.get('server-timing')).toMatch(/^app;dur=/);
  });

  it('sends Timing-Allow-Origin when it is set', async () => {
    const url = await start(app, {
      environment: 'production',
      serverTiming: true,
      timingAllowOrigin: 'https://app.example',
    });
    const response = await get(`${url}/queries`);
    expect(response.headers.get('timing-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('server-timing')).toMatch(/^app;dur=/);
  });

  it("keeps the app's own Server-Timing and adds to it", async () => {
    const url = await start(app, { environment: 'test', serverTiming: true });
    const response = await get(`${url}/own`);
    expect(response.body).toBe('own');
    const header = response.headers.get('server-timing')!;
    expect(header.startsWith(`${OWN_TIMING}, app;dur=`)).toBe(true);
    const timing = parseTiming(header);
    expect(timing.cache).toEqual({ desc: 'hit' });
    expectDuration(timing.app!.dur);
    expect(timing.db!.desc).toBe('0 queries');
  });

  it('is added to a response whose headers the app writes itself with writeHead', async () => {
    const url = await start(app, { environment: 'test', serverTiming: true, timingAllowOrigin: '*' });
    const response = await get(`${url}/created`);
    expect(response.status).toBe(201);
    expect(response.body).toBe('made');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expectDuration(parseTiming(response.headers.get('server-timing')!).app!.dur);
    expect(response.headers.get('timing-allow-origin')).toBe('*');
  });

  it('gives only the app time when queries are not tracked', async () => {
    const url = await start(app, { environment: 'test', serverTiming: true, trackQueries: false });
    const timing = parseTiming((await get(`${url}/queries`)).headers.get('server-timing')!);
    expect(Object.keys(timing)).toEqual(['app']);
    expectDuration(timing.app!.dur);
  });

  it('is left out of requests that are not recorded', async () => {
    const ignoring = await start(app, {
      environment: 'test',
      serverTiming: true,
      ignoreRoutes: ['/queries'],
    });
    expect((await get(`${ignoring}/queries`)).headers.get('server-timing')).toBeNull();
    const sampledOut = await start(app, { environment: 'test', serverTiming: true, samplingRate: 0 });
    expect((await get(`${sampledOut}/queries`)).headers.get('server-timing')).toBeNull();
    const disabled = await start(app, { environment: 'test', serverTiming: true, enabled: false });
    expect((await get(`${disabled}/queries`)).headers.get('server-timing')).toBeNull();
  });
});
