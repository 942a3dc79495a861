import { startQuery } from '../../core/scope.js';
import type { Method, Tracking } from '../replace-method.js';
import { shapeSource } from '../tracker.js';
import { issueTimed, sqlOf } from './issue.js';

/*
 * `pool.query()` checks a client out and runs the query on it with `client.query()`, at once or, when
 * every client is busy, later: from the callback of whichever request releases a client. The query is
 * counted when the app calls `pool.query()`, in its request; the `client.query()` the pool makes for it
 * must then count nothing, in whatever request's context it runs.
 *
 * `pool.query()` calls `pool.connect(callback)` synchronously, and that callback calls `client.query()`
 * synchronously. So `connectingForQuery` is set while `pool.query()` runs, the `connect` it makes wraps
 * its callback, and while that callback runs, `dispatchedTo` names the client whose next `query()` call
 * is the pool's.
 */
let connectingForQuery = false;
let dispatchedTo: object | undefined;

/** Whether this call of `client.query()` is the one `pool.query()` makes (it is counted already). */
export function dispatchedByPool(client: object): boolean {
  if (dispatchedTo !== client) return false;
  dispatchedTo = undefined;
  return true;
}

/** `Pool.prototype.query`, counting each query when the app calls it. */
export function trackedPoolQuery(original: Method, tracking: Tracking): Method {
  return function query(this: object, ...args: unknown[]) {
    const started = startQuery(shapeSource(tracking.options, sqlOf(args[0])));
    connectingForQuery = true;
    try {
      return issueTimed(started, args, (issued) => original.apply(this, issued));
    } finally {
      connectingForQuery = false;
    }
  };
}

/** `Pool.prototype.connect`, unchanged except when `pool.query()` calls it (see above). */
export function trackedPoolConnect(original: Method): Method {
  return function connect(this: object, ...args: unknown[]) {
    const callback = args[0];
    if (!connectingForQuery || typeof callback !== 'function') return original.apply(this, args);
    connectingForQuery = false;
    return original.call(this, function dispatch(this: unknown, ...results: unknown[]) {
      dispatchedTo = (results[1] ?? undefined) as object | undefined;
      try {
        return callback.apply(this, results);
      } finally {
        dispatchedTo = undefined;
      }
    });
  };
}
