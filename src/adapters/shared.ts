import type { IncomingMessage, ServerResponse } from 'node:http';
import { validate } from '../config/load.js';
import type { RouteperfOptions } from '../config/types.js';
import type { Recorder } from '../core/recorder.js';
import { type Dashboard, dashboardOf } from '../dashboard/index.js';
import { internalsOf, isRouteperf } from '../routeperf/internals.js';
import { createRouteperf, type Routeperf } from '../routeperf.js';

/** An adapter takes options (routeperf is created from them) or a routeperf the app created itself. */
export type RouteperfInput = RouteperfOptions | Routeperf;

/** What an adapter does with a request once routeperf is ready. */
type WithRecorder<T> = (recorder: Recorder, dashboard: Dashboard | undefined) => T;

/**
 * Answers a node:http request with the dashboard when it is under the dashboard's path (`url`, default
 * `req.url`), and then returns true: the request is the dashboard's, so the adapter neither records it
 * nor passes it on to the app.
 */
export function servedByDashboard(
  dashboard: Dashboard | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  url = req.url ?? '/',
): boolean {
  if (!dashboard?.serves(url)) return false;
  dashboard.node(req, res, url).catch((error: Error) => res.destroy(error));
  return true;
}

/**
 * For adapters whose factory must return synchronously (Express middleware, node:http handlers): starts
 * creating routeperf now and hands out its recorder once ready. Invalid options throw from the factory
 * itself; an invalid config file rejects `ready` and, unhandled, stops the app at start-up with its
 * message, as a bad config should. Apps that want to handle it pass a routeperf from
 * `await createRouteperf()` instead.
 */
export class PendingRouteperf {
  #recorder: Recorder | undefined;
  #dashboard: Dashboard | undefined;
  readonly ready: Promise<Routeperf>;
  /** True when the adapter created routeperf and so must close it. */
  readonly owned: boolean;

  constructor(input: RouteperfInput = {}) {
    this.owned = !isRouteperf(input);
    if (isRouteperf(input)) {
      this.#recorder = internalsOf(input).recorder;
      this.#dashboard = dashboardOf(input);
      this.ready = Promise.resolve(input);
      return;
    }
    validate(input, 'options');
    this.ready = createRouteperf(input);
    this.ready.then((routeperf) => {
      this.#recorder = internalsOf(routeperf).recorder;
      this.#dashboard = dashboardOf(routeperf);
    });
  }

  /**
   * Runs `withRecorder` now if ready, else once ready, with the dashboard when one is configured; if
   * routeperf failed to start, runs `without`.
   */
  whenReady(withRecorder: WithRecorder<void>, without: () => void): void {
    if (this.#recorder) withRecorder(this.#recorder, this.#dashboard);
    else
      this.ready.then(
        (routeperf) => withRecorder(internalsOf(routeperf).recorder, dashboardOf(routeperf)),
        without,
      );
  }

  /** `whenReady` for middleware that returns a promise (Koa, Hono): settles as the callback that ran does. */
  whenReadyAsync<T>(withRecorder: WithRecorder<T | Promise<T>>, without: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve) => {
      this.whenReady(
        (recorder, dashboard) => resolve(withRecorder(recorder, dashboard)),
        () => resolve(without()),
      );
    });
  }

  async close(): Promise<void> {
    if (this.owned) await (await this.ready.catch(() => undefined))?.close();
  }
}
