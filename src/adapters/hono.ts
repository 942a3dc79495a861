import { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Recorder } from '../core/recorder.js';
import type { Routeperf } from '../routeperf.js';
import { instrument, type RequestDescription } from './instrument.js';
import { PendingRouteperf, type RouteperfInput } from './shared.js';

/** The method Hono gives the handlers of `app.use`, `app.all` and `app.mount`. */
const ALL_METHODS = 'ALL';

const NOT_ON_NODE_SERVER =
  'routeperf/hono records apps served by @hono/node-server only: requests without its node:http bindings ' +
  '(c.env.incoming, c.env.outgoing) are served and not recorded';

export interface HonoRouteperfMiddleware extends MiddlewareHandler {
  /** Settles once routeperf is configured; rejects with the configuration error, if any. */
  readonly ready: Promise<Routeperf>;
  /** Waits for writes in flight and releases database connections (when the middleware created routeperf). */
  close(): Promise<void>;
}

/**
 * The template of the route that answered: the path of the handler Hono's compose ran last
 * (`routePath(c)` once the app has answered). No route matched when that handler is routeperf's own
 * middleware, or one registered for every method (`app.use`, say a logger) that ended in a 404: the
 * request went past every handler to the app's not-found handler.
 */
function answeringRoute(c: Context, ownIndex: number, statusCode: number): string | undefined {
  const index = c.req.routeIndex;
  const route = matchedRoutes(c)[index];
  if (index === ownIndex || !route) return undefined;
  if (route.method === ALL_METHODS && statusCode === 404) return undefined;
  return route.path;
}

/**
 * Hono middleware for Hono on Node.js (`@hono/node-server`): `app.use(routeperf(options))`, before the
 * routes. It records through the node:http request and response that `@hono/node-server` passes as
 * `c.env.incoming` and `c.env.outgoing`, so the response's end waits for the store in synchronous mode
 * as with the other adapters. Elsewhere (another runtime, `app.request()`) requests are served and not
 * recorded, and routeperf says so once. Requests under `dashboard.path` are answered by the dashboard,
 * through the Fetch API on any runtime, and not recorded.
 */
export function routeperf(input?: RouteperfInput): HonoRouteperfMiddleware {
  const pending = new PendingRouteperf(input);
  let warned = false;
  const warnNotOnNodeServer = () => {
    if (warned) return;
    warned = true;
    pending.ready.then(({ config }) => {
      try {
        config.logger.warn(NOT_ON_NODE_SERVER);
      } catch {
        // A broken logger must not break the request it would have told about.
      }
    });
  };
  const middleware = (c: Context, next: Next) =>
    pending.whenReadyAsync(async (recorder, dashboard) => {
      // The dashboard answers through the Fetch API, on any runtime; its requests are not recorded.
      const answer = dashboard?.serves(c.req.url) ? await dashboard.fetch(c.req.raw) : undefined;
      if (answer) return answer;
      return recorder.active ? record(recorder, c, next, warnNotOnNodeServer) : next();
    }, next);
  return Object.assign(middleware, { ready: pending.ready, close: () => pending.close() });
}

function record(recorder: Recorder, c: Context, next: Next, warnNotOnNodeServer: () => void) {
  const { incoming, outgoing } = (c.env ?? {}) as { incoming?: unknown; outgoing?: unknown };
  if (!(incoming instanceof IncomingMessage && outgoing instanceof ServerResponse)) {
    warnNotOnNodeServer();
    return next();
  }
  const ownIndex = c.req.routeIndex;
  const describe: RequestDescription<Context> = {
    route: () => answeringRoute(c, ownIndex, outgoing.statusCode),
    url: () => incoming.url ?? '',
  };
  return instrument(recorder, incoming, outgoing, describe, c, next);
}

export default routeperf;
