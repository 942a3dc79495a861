import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FinishedRequest, Recorder } from '../core/recorder.js';
import { type RequestScope, runInScope } from '../core/scope.js';
import { addServerTiming } from './server-timing.js';

/** What an adapter tells `instrument` about its framework, read when the response ends. */
export interface RequestDescription {
  /** Route template, or undefined when no route matched. */
  route(): string | undefined;
  /** Path with query string, as the client sent it. */
  url(): string;
  /** The framework's request object, handed to `getUser`. */
  request: unknown;
}

/**
 * Records one request of a node:http server, whatever framework sits on it. It opens the request scope,
 * runs `proceed` inside it, and holds the response's final `end()` until the metrics are stored — the
 * synchronous-mode promise that a client who has its response finds its request in the database.
 */
export function instrument<T>(
  recorder: Recorder,
  req: IncomingMessage,
  res: ServerResponse,
  describe: RequestDescription,
  proceed: () => T,
): T {
  const active = recorder.begin(req.headers[recorder.requestIdHeader]);
  if (!active) return proceed();
  if (recorder.serverTiming)
    addServerTiming(recorder, res, active, () => !recorder.ignores(req.method ?? 'GET', describe.route()));
  const finished = (): FinishedRequest => ({
    method: req.method ?? 'GET',
    route: () => describe.route(),
    statusCode: res.statusCode,
    url: describe.url(),
    referer: req.headers.referer,
    request: describe.request,
  });

  if (!recorder.holdsResponse) {
    // Asynchronous mode: the metrics are handed on once the response has been sent, never before.
    res.once('finish', () => recorder.finish(active, finished()));
    return proceedIn(recorder, active, proceed);
  }

  const end = res.end;
  let held: Promise<unknown> | undefined;
  res.end = function endAfterRecording(this: ServerResponse, ...args: unknown[]) {
    const endNow = () => end.apply(this, args as Parameters<typeof end>);
    if (!held) {
      const recorded = recorder.finish(active, finished());
      if (!recorded) {
        res.end = end;
        return endNow();
      }
      held = recorded;
    }
    // A later end() (an app making sure it ended) runs after the held one, as it would without routeperf.
    // What end() would have thrown to its caller cannot reach it any more; it ends the response instead.
    held = held.then(endNow).catch((error: Error) => res.destroy(error));
    return this;
  } as typeof res.end;

  return proceedIn(recorder, active, proceed);
}

/**
 * Runs the rest of the request in its scope, or outside any when queries are not tracked: no one reads
 * the scope then, and not entering it spares the AsyncLocalStorage's cost.
 */
function proceedIn<T>(recorder: Recorder, scope: RequestScope, proceed: () => T): T {
  return recorder.tracksQueries ? runInScope(scope, proceed) : proceed();
}
