import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Routeperf } from '../routeperf.js';
import { instrument, type RequestDescription } from './instrument.js';
import { PendingRouteperf, type RouteperfInput, servedByDashboard } from './shared.js';

/** The parts of an Express request the middleware reads (Express 4 and 5 alike). */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
  route?: { path: unknown };
}

export interface RouteperfMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Settles once routeperf is configured; rejects with the configuration error, if any. */
  readonly ready: Promise<Routeperf>;
  /** Waits for writes in flight and releases database connections (when the middleware created routeperf). */
  close(): Promise<void>;
}

/**
 * Follows the route Express dispatches the request to and returns what its template is: mount path plus
 * route path, or undefined while none matched. The template is taken when Express sets `req.route`, because
 * by the time the response ends a mounted router the request left (a route that threw, say) has already
 * put `req.baseUrl` back to the parent's mount path.
 */
function followTemplate(req: ExpressRequest): RequestDescription<ExpressRequest> {
  let route = req.route;
  let template: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: ExpressRequest['route']) {
      route = value;
      template = value ? `${req.baseUrl ?? ''}${String(value.path)}` || '/' : undefined;
    },
  });
  return { route: () => template, url: () => req.originalUrl ?? req.url ?? '' };
}

/**
 * Express 5 and 4 middleware: `app.use(routeperf(options))`, before the routes. Requests that reach no
 * route are recorded under `(unmatched)`; a handler that throws is recorded with the 500 it produced.
 * Requests under `dashboard.path` are answered by the dashboard, before any route, and not recorded.
 */
export function routeperf(input?: RouteperfInput): RouteperfMiddleware {
  const pending = new PendingRouteperf(input);
  const middleware = (req: ExpressRequest, res: ServerResponse, next: (error?: unknown) => void) => {
    pending.whenReady(
      (recorder, dashboard) => {
        if (servedByDashboard(dashboard, req, res, req.originalUrl ?? req.url)) return;
        if (!recorder.active) return next();
        instrument(recorder, req, res, followTemplate(req), req, next);
      },
      () => next(),
    );
  };
  return Object.assign(middleware, { ready: pending.ready, close: () => pending.close() });
}

export default routeperf;
