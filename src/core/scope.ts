import { AsyncLocalStorage } from 'node:async_hooks';
import { sqlShape } from './sql-shape.js';

/** The per-request state that query trackers add to while the request runs. */
export interface RequestScope {
  readonly startedAt: number;
  queryCount: number;
  queryTime: number;
  /** How many times each SQL shape ran, for trackers that record shapes; created at the first one. */
  shapes: Map<string, number> | undefined;
  /** The largest number of times one shape ran (0 until a tracker records a shape). */
  queryRepeat: number;
  /** The shape that ran `queryRepeat` times. */
  repeatedQuery: string | undefined;
}

const storage = new AsyncLocalStorage<RequestScope | undefined>();

/** A request scope's state, as a class: one object of one shape per request. */
export class ScopeState implements RequestScope {
  readonly startedAt = performance.now();
  queryCount = 0;
  queryTime = 0;
  shapes: Map<string, number> | undefined = undefined;
  queryRepeat = 0;
  repeatedQuery: string | undefined = undefined;
}

export function createScope(): RequestScope {
  return new ScopeState();
}

/** Runs `fn` with `scope` as the current request scope for everything it starts. */
export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Runs `fn` outside any request scope, with everything it starts: routeperf's own writes and reads go
 * through it, so that a tracked driver never counts them against the request that caused them.
 */
export function outsideRequests<Args extends unknown[], T>(fn: (...args: Args) => T, ...args: Args): T {
  // Not storage.exit(): on Node 20 it turns the promise hooks off and on again at each call.
  return storage.run(undefined, fn, ...args);
}

/** A query that has started inside a request: `endQuery` adds its duration to that request. */
export interface StartedQuery {
  readonly scope: RequestScope;
  readonly startedAt: number;
}

/**
 * Counts a query starting now against the current request, and its SQL shape (literals and parameters
 * stripped, see sqlShape) when `sql` is given. Returns undefined outside a request: the tracker then has
 * nothing to time. The count is taken at the start, so a query still running when the response ends is
 * counted; only its time is lost.
 */
export function startQuery(sql?: string): StartedQuery | undefined {
  const scope = countedQuery(sql, sqlShape);
  return scope && { scope, startedAt: performance.now() };
}

/** Adds the time since `started` to its request. Call it once, when the query succeeded or failed. */
export function endQuery(started: StartedQuery | undefined): void {
  if (started) started.scope.queryTime += performance.now() - started.startedAt;
}

/**
 * Counts one query whose shape is `shape` as it is (a tracker that knows no SQL, such as an ORM
 * operation's `Model.action`), against the current request.
 */
export function startNamedQuery(shape: string): StartedQuery | undefined {
  const scope = countedQuery(shape, asItIs);
  return scope && { scope, startedAt: performance.now() };
}

const asItIs = (shape: string) => shape;

/** Counts one query, and its shape when `text` is given, in the current request; returns that request. */
function countedQuery(text: string | undefined, shapeOf: (text: string) => string): RequestScope | undefined {
  const scope = storage.getStore();
  if (!scope) return undefined;
  scope.queryCount += 1;
  if (text !== undefined) countShape(scope, shapeOf(text));
  return scope;
}

function countShape(scope: RequestScope, shape: string): void {
  scope.shapes ??= new Map();
  const times = (scope.shapes.get(shape) ?? 0) + 1;
  scope.shapes.set(shape, times);
  if (times > scope.queryRepeat) {
    scope.queryRepeat = times;
    scope.repeatedQuery = shape;
  }
}

/**
 * Adds one database query of `durationMs` to the current request, with its shape when `sql` is given.
 * Query trackers that learn of a query once it is over call it; so can an app that runs queries through
 * a client routeperf does not track yet. Outside a request it does nothing.
 */
export function recordQuery(durationMs: number, sql?: string): void {
  const scope = countedQuery(sql, sqlShape);
  if (scope) scope.queryTime += durationMs;
}

/**
 * Times `fn` (sync or async) as one query of the current request; with `sql`, its shape counts towards
 * N+1 detection too.
 */
export function trackQuery<T>(fn: () => T, sql?: string): T {
  const started = startQuery(sql);
  if (!started) return fn();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    endQuery(started);
    throw error;
  }
  if (result instanceof Promise) {
    // Observed beside the caller, who gets the promise itself: one promise more rather than the three of
    // `finally`, and a rejection stays the caller's to handle.
    const end = () => endQuery(started);
    result.then(end, end);
  } else endQuery(started);
  return result;
}
