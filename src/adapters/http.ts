import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RouteperfOptions } from '../config/types.js';
import type { Routeperf } from '../routeperf.js';
import { instrument, type RequestDescription } from './instrument.js';
import { PendingRouteperf, servedByDashboard } from './shared.js';

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** `/users/42/posts/0f9c…` → `/users/:id/posts/:id`: numbers, UUIDs and long hex strings become `:id`. */
export function normalizePath(url: string): string {
  const path = url.split('?', 1)[0]!.split('#', 1)[0]!;
  return path
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/');
}

export interface HttpRouteperfOptions extends RouteperfOptions {
  /** The route template of a request, or undefined when it matches no route. Default: `normalizePath(req.url)`. */
  routeOf?: (req: IncomingMessage) => string | undefined;
  /** A routeperf the app created itself; the wrapper then neither creates nor closes one. */
  routeperf?: Routeperf;
}

export interface InstrumentedListener extends RequestListener {
  readonly ready: Promise<Routeperf>;
  close(): Promise<void>;
}

/**
 * Wraps a node:http request listener: `http.createServer(withRouteperf(handler, options))`. Requests
 * under `dashboard.path` are answered by the dashboard, never by `handler`, and not recorded.
 */
export function withRouteperf(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  options: HttpRouteperfOptions = {},
): InstrumentedListener {
  const {
    routeOf = (req: IncomingMessage) => normalizePath(req.url ?? '/'),
    routeperf: given,
    ...settings
  } = options;
  const pending = new PendingRouteperf(given ?? settings);
  const requests: RequestDescription<IncomingMessage> = { route: routeOf, url: (req) => req.url ?? '' };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    pending.whenReady(
      (recorder, dashboard) => {
        if (servedByDashboard(dashboard, req, res)) return;
        instrument(recorder, req, res, requests, req, () => handler(req, res));
      },
      () => handler(req, res),
    );
  };
  return Object.assign(listener, { ready: pending.ready, close: () => pending.close() });
}

export default withRouteperf;
