import { validate } from '../config/load.js';
import type { RouteperfOptions } from '../config/types.js';
import type { Recorder } from '../core/recorder.js';
import { internalsOf, isRouteperf } from '../routeperf/internals.js';
import { createRouteperf, type Routeperf } from '../routeperf.js';

/** An adapter takes options (routeperf is created from them) or a routeperf the app created itself. */
export type RouteperfInput = RouteperfOptions | Routeperf;

/**
 * For adapters whose factory must return synchronously (Express middleware, node:http handlers): starts
 * creating routeperf now and hands out its recorder once ready. Invalid options throw from the factory
 * itself; an invalid config file rejects `ready` and, unhandled, stops the app at start-up with its
 * message, as a bad config should. Apps that want to handle it pass a routeperf from
 * `await createRouteperf()` instead.
 */
export class PendingRouteperf {
  #recorder: Recorder | undefined;
  readonly ready: Promise<Routeperf>;
  /** True when the adapter created routeperf and so must close it. */
  readonly owned: boolean;

  constructor(input: RouteperfInput = {}) {
    this.owned = !isRouteperf(input);
    if (isRouteperf(input)) {
      this.#recorder = internalsOf(input).recorder;
      this.ready = Promise.resolve(input);
      return;
    }
    validate(input, 'options');
    this.ready = createRouteperf(input);
    this.ready.then((routeperf) => {
      this.#recorder = internalsOf(routeperf).recorder;
    });
  }

  /** Runs `withRecorder` now if ready, else once ready; if routeperf failed to start, runs `without`. */
  whenReady(withRecorder: (recorder: Recorder) => void, without: () => void): void {
    if (this.#recorder) withRecorder(this.#recorder);
    else this.ready.then((routeperf) => withRecorder(internalsOf(routeperf).recorder), without);
  }

  /** `whenReady` for middleware that returns a promise (Koa, Hono): settles as the callback that ran does. */
  whenReadyAsync<T>(
    withRecorder: (recorder: Recorder) => T | Promise<T>,
    without: () => T | Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve) => {
      this.whenReady(
        (recorder) => resolve(withRecorder(recorder)),
        () => resolve(without()),
      );
    });
  }

  async close(): Promise<void> {
    if (this.owned) await (await this.ready.catch(() => undefined))?.close();
  }
}
