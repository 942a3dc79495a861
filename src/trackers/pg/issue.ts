import { endQuery, type StartedQuery } from '../../core/scope.js';
import type { Method } from '../replace-method.js';

/** The SQL of what pg's `query` takes first: SQL text, a config with `text`, or a submittable (Query, Cursor). */
export function sqlOf(query: unknown): string | undefined {
  if (typeof query === 'string') return query;
  const text = (query as { text?: unknown } | null | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

/** A query object the client runs itself (`new pg.Query(…)`, a cursor): its `submit` sends it. */
function isSubmittable(query: unknown): query is object {
  return typeof (query as { submit?: unknown } | null | undefined)?.submit === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Ends `started` at the first call only: a query may signal its end in more than one way. */
function endOnce(started: StartedQuery): () => void {
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    endQuery(started);
  };
}

/** `fn`, ending the query's timing first; it gets the same `this` and arguments and returns the same. */
function endingFirst(end: () => void, fn: Method): Method {
  return function endThenCall(this: unknown, ...args: unknown[]) {
    end();
    return fn.apply(this, args);
  };
}

/** Where pg's `query` takes a callback: `(query, callback)` or `(query, values, callback)`. */
const CALLBACK_POSITIONS = [1, 2];

/** How the client tells a submittable that its query is over: done, or failed. */
const SUBMITTABLE_ENDS = ['handleReadyForQuery', 'handleError'];

/**
 * Ends the timing when the client hands the submittable its end, before the submittable reacts (calls
 * back, emits 'end' or 'error'). The handlers are overridden on this object only, not enumerable, and
 * listening to its events instead would change what an unheard 'error' does.
 */
function endWithSubmittable(submittable: object, end: () => void): void {
  for (const name of SUBMITTABLE_ENDS) {
    const handler = (submittable as Record<string, unknown>)[name];
    if (typeof handler !== 'function') continue;
    Object.defineProperty(submittable, name, {
      configurable: true,
      writable: true,
      value: endingFirst(end, handler as Method),
    });
  }
}

/**
 * Calls `issue(args)` (pg's own `query`) and times the query `started` until it settles, however the
 * app waits for it: its callback (second or third argument), the submittable's end, or the promise pg
 * returns. Arguments and result stay the app's own, except that a callback is wrapped to end the timing
 * first. A query that throws at once ends at once.
 */
export function issueTimed(
  started: StartedQuery | undefined,
  args: unknown[],
  issue: (args: unknown[]) => unknown,
): unknown {
  if (!started) return issue(args);
  const end = endOnce(started);
  let callbacks = 0;
  for (const at of CALLBACK_POSITIONS) {
    const callback = args[at];
    if (typeof callback !== 'function') continue;
    args[at] = endingFirst(end, callback as Method);
    callbacks += 1;
  }
  if (isSubmittable(args[0])) endWithSubmittable(args[0], end);
  let result: unknown;
  try {
    result = issue(args);
  } catch (error) {
    end();
    throw error;
  }
  // Observed beside the app, which gets pg's own promise: its rejection stays the app's to handle.
  if (callbacks === 0 && isThenable(result)) result.then(end, end);
  return result;
}
