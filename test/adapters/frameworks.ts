import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import express from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import Koa from 'koa';
import { routeperf as routeperfMiddleware } from '../../src/adapters/express.js';
import routeperfPlugin from '../../src/adapters/fastify.js';
import { routeperf as routeperfHono } from '../../src/adapters/hono.js';
import { withRouteperf } from '../../src/adapters/http.js';
import { routeperf as routeperfKoa } from '../../src/adapters/koa.js';
import { ROUTEPERF, RouteperfModule } from '../../src/adapters/nest.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { recordQuery, trackQuery } from '../../src/core/scope.js';
import type { Routeperf } from '../../src/routeperf.js';
import { controller, NEST_PLATFORMS, type NestPlatform, nestApp } from './nest-app.js';

/** What a route answers, whatever framework serves it. */
interface Reply {
  status: number;
  body: unknown;
}

interface Route {
  method: 'GET' | 'POST';
  /** Template in the syntax all three routers share (`/users/:id`). */
  path: string;
  handle(input: { params: Record<string, string>; body: unknown }): Reply | Promise<Reply>;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const boom = (): never => {
  throw new Error('boom');
};

/** The same app in every framework: these routes at the root, `MOUNTED` under `/api`. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/users/:id', handle: ({ params }) => ok({ id: params.id }) },
  {
    method: 'GET',
    path: '/status/:code',
    handle: ({ params }) => ({ status: Number(params.code), body: { code: params.code } }),
  },
  { method: 'GET', path: '/boom', handle: boom },
  {
    method: 'GET',
    path: '/queries',
    // Three queries, two of them after an await: the request scope must follow the handler.
    handle: async () => {
      recordQuery(2);
      await sleep(1);
      await trackQuery(() => sleep(1));
      trackQuery(() => 'sync');
      return ok({ queries: 3 });
    },
  },
  {
    method: 'POST',
    path: '/echo',
    // Runs after the body was read from the socket, in whatever context the body parser resumes in.
    handle: ({ body }) => {
      recordQuery(1);
      return ok(body);
    },
  },
];

const MOUNT = '/api';
const MOUNTED: Route[] = [
  { method: 'GET', path: '/items/:itemId', handle: ({ params }) => ok({ itemId: params.itemId }) },
  { method: 'GET', path: '/boom', handle: boom },
];

/** An app built around routeperf, not yet listening. */
export interface BuiltApp {
  server: Server;
  /** Settles once routeperf is configured. */
  ready: Promise<Routeperf>;
  /** Closes routeperf (and the framework); the server is closed by the caller. */
  close(): Promise<void>;
}

export interface Framework {
  name: string;
  /** True when the factory returns at once and routeperf finishes starting while the app already serves. */
  startsBeforeReady: boolean;
  build(options: RouteperfOptions): BuiltApp;
  /** A request header, read from the request object the adapter hands to `getUser`. */
  header(request: any, name: string): string | undefined;
}

/** The request objects of Express, Fastify, node:http, Nest (on either) and Koa's context keep headers alike. */
const headerOfRequest = (request: { headers: Record<string, unknown> }, name: string) =>
  request.headers[name] as string | undefined;

const fastify: Framework = {
  name: 'fastify 5',
  startsBeforeReady: false,
  build(options) {
    const app = Fastify();
    app.register(routeperfPlugin, options);
    const mount = (scope: FastifyInstance, routes: Route[]) => {
      for (const route of routes) {
        scope.route({
          method: route.method,
          url: route.path,
          handler: async (request, reply) => {
            const params = request.params as Record<string, string>;
            const result = await route.handle({ params, body: request.body });
            return reply.code(result.status).send(result.body);
          },
        });
      }
    };
    mount(app, ROUTES);
    app.register(async (api) => mount(api, MOUNTED), { prefix: MOUNT });
    const ready = (async () => {
      await app.ready();
      return app.routeperf;
    })();
    return { server: app.server, ready, close: () => app.close() };
  },
  header: headerOfRequest,
};

function expressFramework(name: string, createApp: typeof express): Framework {
  return {
    name,
    startsBeforeReady: true,
    build(options) {
      const middleware = routeperfMiddleware(options);
      const app = createApp();
      app.use(middleware);
      app.use(createApp.json());
      const mount = (router: express.Router, routes: Route[]) => {
        for (const route of routes) {
          const method = route.method === 'GET' ? 'get' : 'post';
          // A synchronous throw is left to Express itself; a rejection is passed on as Express 4 needs.
          router[method](route.path, (req, res, next) => {
            const params = req.params as Record<string, string>;
            Promise.resolve(route.handle({ params, body: req.body })).then(
              (result) => res.status(result.status).json(result.body),
              next,
            );
          });
        }
      };
      const root = createApp.Router();
      const api = createApp.Router();
      mount(root, ROUTES);
      mount(api, MOUNTED);
      app.use(root);
      app.use(MOUNT, api);
      return { server: createServer(app), ready: middleware.ready, close: () => middleware.close() };
    },
    header: headerOfRequest,
  };
}

/** A route table for node:http: which route a request is for, and its parameters. */
function router(routes: Route[]) {
  const compiled = routes.map((route) => ({
    route,
    pattern: new RegExp(`^${route.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`),
  }));
  return (req: IncomingMessage) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const { route, pattern } of compiled) {
      const match = route.method === req.method ? pattern.exec(path) : null;
      if (match) return { route, params: { ...match.groups } };
    }
    return undefined;
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const nodeHttp: Framework = {
  name: 'node:http',
  startsBeforeReady: true,
  build(options) {
    const match = router([...ROUTES, ...MOUNTED.map((route) => ({ ...route, path: MOUNT + route.path }))]);
    // Plain node:http has no error handling of its own: like any such app, this one answers 404 and 500 itself.
    const handler = async (req: IncomingMessage, res: ServerResponse) => {
      const found = match(req);
      if (!found) return sendJson(res, 404, { error: 'not found' });
      try {
        const body = req.method === 'POST' ? await readJson(req) : undefined;
        const result = await found.route.handle({ params: found.params, body });
        sendJson(res, result.status, result.body);
      } catch {
        sendJson(res, 500, { error: 'internal error' });
      }
    };
    const listener = withRouteperf(handler, { ...options, routeOf: (req) => match(req)?.route.path });
    return { server: createServer(listener), ready: listener.ready, close: () => listener.close() };
  },
  header: headerOfRequest,
};

const koa: Framework = {
  name: 'koa 3',
  startsBeforeReady: true,
  build(options) {
    const middleware = routeperfKoa(options);
    const app = new Koa();
    // Koa prints the stack of every error it answers with a 500 unless told to stay silent.
    app.silent = true;
    app.use(middleware);
    const mount = (router: Router, routes: Route[]) => {
      for (const route of routes) {
        router[route.method === 'GET' ? 'get' : 'post'](route.path, async (ctx) => {
          const body = route.method === 'POST' ? await readJson(ctx.req) : undefined;
          const result = await route.handle({ params: ctx.params, body });
          ctx.status = result.status;
          ctx.body = result.body;
        });
      }
    };
    const root = new Router();
    const api = new Router();
    mount(root, ROUTES);
    mount(api, MOUNTED);
    root.use(MOUNT, api.routes());
    app.use(root.routes());
    return { server: createServer(app.callback()), ready: middleware.ready, close: () => middleware.close() };
  },
  header: headerOfRequest,
};

const hono: Framework = {
  name: 'hono 4',
  startsBeforeReady: true,
  build(options) {
    const middleware = routeperfHono(options);
    const app = new Hono();
    app.use(middleware);
    const mount = (router: Hono, routes: Route[]) => {
      for (const route of routes) {
        router.on(route.method, route.path, async (c) => {
          const body = route.method === 'POST' ? await c.req.json() : undefined;
          const result = await route.handle({ params: c.req.param(), body });
          return c.json(result.body, result.status as ContentfulStatusCode);
        });
      }
    };
    const api = new Hono();
    mount(app, ROUTES);
    mount(api, MOUNTED);
    app.route(MOUNT, api);
    // Hono's own error handler prints the stack of every error it answers with a 500.
    app.onError((_error, c) => c.json({ error: 'internal error' }, 500));
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    return { server, ready: middleware.ready, close: () => middleware.close() };
  },
  // Hono hands getUser its context.
  header: (c, name) => c.req.header(name),
};

function nestFramework(platform: NestPlatform): Framework {
  /** A Nest handler: the platform's request and response, as `@Req()` and `@Res()` give them. */
  const nestRoute = (route: Route) => ({
    ...route,
    async handle(req: any, res: any) {
      const result = await route.handle({ params: req.params, body: req.body });
      res.status(result.status).send(result.body);
    },
  });
  return {
    name: `nest 12 on ${platform}`,
    startsBeforeReady: false,
    build(options) {
      const { server, started } = nestApp(platform, {
        imports: [RouteperfModule.forRoot(options)],
        controllers: [controller('', ROUTES.map(nestRoute)), controller(MOUNT, MOUNTED.map(nestRoute))],
      });
      const ready = started.then((app) => app.get<Routeperf>(ROUTEPERF));
      const close = async () => (await started.catch(() => undefined))?.close();
      return { server, ready, close };
    },
    header: headerOfRequest,
  };
}

/** The frameworks in groups of about equal test time, so that a test file per group runs beside the others. */
export const FRAMEWORK_GROUPS = {
  fastifyAndExpress: [
    fastify,
    expressFramework('express 5', express),
    expressFramework('express 4', express4),
  ],
  nodeHttpKoaAndHono: [nodeHttp, koa, hono],
  nest: NEST_PLATFORMS.map(nestFramework),
} satisfies Record<string, Framework[]>;

export const FRAMEWORKS: Framework[] = Object.values(FRAMEWORK_GROUPS).flat();
