import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance } from 'fastify';
import { routeperf as routeperfMiddleware } from '../../src/adapters/express.js';
import routeperfPlugin from '../../src/adapters/fastify.js';
import { withRouteperf } from '../../src/adapters/http.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { recordQuery, trackQuery } from '../../src/core/scope.js';
import type { Routeperf } from '../../src/routeperf.js';

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
}

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
};

export const FRAMEWORKS: Framework[] = [
  fastify,
  expressFramework('express 5', express),
  expressFramework('express 4', express4),
  nodeHttp,
];
