import { AsyncLocalStorage } from 'node:async_hooks';

/** The per-request state that query trackers add to while the request runs. */
export interface RequestScope {
  readonly startedAt: number;
  queryCount: number;
  queryTime: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function createScope(): RequestScope {
  return { startedAt: performance.now(), queryCount: 0, queryTime: 0 };
}

/** Runs `fn` with `scope` as the current request scope for everything it starts. */
export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Adds one database query of `durationMs` to the current request. Query trackers call it; so can an app
 * that runs queries through a client routeperf does not track yet. Outside a request it does nothing.
 */
export function recordQuery(durationMs: number): void {
  const scope = storage.getStore();
  if (!scope) return;
  scope.queryCount += 1;
  scope.queryTime += durationMs;
}

/** Times `fn` (sync or async) as one query of the current request. */
export function trackQuery<T>(fn: () => T): T {
  const start = performance.now();
  const result = fn();
  if (result instanceof Promise) {
    return result.finally(() => recordQuery(performance.now() - start)) as T;
  }
  recordQuery(performance.now() - start);
  return result;
}
