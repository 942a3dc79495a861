import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Routeperf } from '../routeperf.js';
import { instrument, type RequestDescription } from './instrument.js';
import { PendingRouteperf, type RouteperfInput } from './shared.js';

/** A layer of @koa/router: a route (it has methods) or a router-level middleware (it has none). */
interface RouterLayer {
  path: string | RegExp;
  methods: string[];
}

/** The parts of a Koa context the middleware reads (`matched` is what @koa/router adds). */
export interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  originalUrl: string;
  /** False when the middleware answers on `res` itself, so that Koa does not. */
  respond?: boolean;
  /** The layers whose path matched the request, which @koa/router adds to as each router runs. */
  matched?: RouterLayer[];
}

export interface KoaRouteperfMiddleware {
  (ctx: KoaContext, next: () => Promise<unknown>): Promise<unknown>;
  /** Settles once routeperf is configured; rejects with the configuration error, if any. */
  readonly ready: Promise<Routeperf>;
  /** Waits for writes in flight and releases database connections (when the middleware created routeperf). */
  close(): Promise<void>;
}

/**
 * The template of the route @koa/router dispatched the request to: the last matched layer that is a route
 * for the request's method, as the router itself chooses it. `ctx._matchedRoute` is not read, as every
 * router-level middleware (`router.use`) the request passes overwrites it with its own path.
 */
function routeTemplate(ctx: KoaContext): string | undefined {
  const route = ctx.matched?.findLast((layer) => layer.methods.includes(ctx.method));
  return route && String(route.path);
}

const koaRequests: RequestDescription<KoaContext> = { route: routeTemplate, url: (ctx) => ctx.originalUrl };

/**
 * Koa middleware: `app.use(routeperf(options))`, before the routers. Records each request under
 * the template of its @koa/router route; requests no route matched go to `(unmatched)`, and a handler
 * that throws is recorded with the 500 Koa answered. Requests under `dashboard.path` are answered by the
 * dashboard on the node:http response itself (`ctx.respond = false`), and not recorded.
 */
export function routeperf(input?: RouteperfInput): KoaRouteperfMiddleware {
  const pending = new PendingRouteperf(input);
  const middleware = (ctx: KoaContext, next: () => Promise<unknown>) =>
    pending.whenReadyAsync((recorder, dashboard) => {
      if (dashboard?.serves(ctx.originalUrl)) {
        ctx.respond = false;
        return dashboard.node(ctx.req, ctx.res, ctx.originalUrl);
      }
      if (!recorder.active) return next();
      return instrument(recorder, ctx.req, ctx.res, koaRequests, ctx, next);
    }, next);
  return Object.assign(middleware, { ready: pending.ready, close: () => pending.close() });
}

export default routeperf;
