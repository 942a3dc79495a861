import { endQuery, type StartedQuery, startQuery } from '../../core/scope.js';
import type { Method, Tracking } from '../replace-method.js';
import { shapeSource } from '../tracker.js';
import { sqlOf } from './issue.js';

/*
 * `pool.query()` checks a client out and runs the query on it with `client.query(text, values, callback)`,
 * at once or, when every client is busy, later: from the callback of whichever request releases a client.
 * The query is counted when the app calls `pool.query()`, in its request, and timed until the pool's
 * callback from that `client.query()`, which then counts nothing itself, in whatever request's context
 * it runs. Ending there, and not on the promise `pool.query()` returns, spares a promise per query.
 *
 * `pool.query()` calls `pool.connect(callback)` synchronously, and that callback calls `client.query()`
 * synchronously. So while `pool.query()` runs, `connectingForQuery` is set and `connectingQuery` holds its
 * query (none outside a request); the `connect` it makes wraps its callback, and while that callback
 * runs, `dispatchedTo` names the client whose next `query()` call is the pool's, for `dispatchedQuery`.
 */
let connectingForQuery = false;
let connectingQuery: StartedQuery | undefined;
let dispatchedTo: object | undefined;
let dispatchedQuery: StartedQuery | undefined;

/**
 * Whether this call of `client.query()` is the one `pool.query()` makes: counted already, it is timed as
 * the pool's query, `dispatchedQuery`.
 */
export function dispatchedByPool(client: object): boolean {
  if (dispatchedTo !== client) return false;
  dispatchedTo = undefined;
  return true;
}

/** The query `pool.query()` counted for the client call `dispatchedByPool` recognised. */
export function takeDispatchedQuery(): StartedQuery | undefined {
  const started = dispatchedQuery;
  dispatchedQuery = undefined;
  return started;
}

/** `Pool.prototype.query`, counting each query when the app calls it. */
export function trackedPoolQuery(original: Method, tracking: Tracking): Method {
  return function query(this: object, ...args: unknown[]) {
    connectingForQuery = true;
    connectingQuery = startQuery(shapeSource(tracking.options, sqlOf(args[0])));
    try {
      return original.apply(this, args);
    } finally {
      connectingForQuery = false;
      connectingQuery = undefined;
    }
  };
}

/** `Pool.prototype.connect`, unchanged except when `pool.query()` calls it (see above). */
export function trackedPoolConnect(original: Method): Method {
  return function connect(this: object, ...args: unknown[]) {
    const callback = args[0];
    if (!connectingForQuery || typeof callback !== 'function') return original.apply(this, args);
    const started = connectingQuery;
    connectingForQuery = false;
    connectingQuery = undefined;
    return original.call(this, function dispatch(this: unknown, ...results: unknown[]) {
      // No client: the query fails here, and is over.
      if (results[0]) endQuery(started);
      dispatchedTo = (results[1] ?? undefined) as object | undefined;
      dispatchedQuery = started;
      try {
        return callback.apply(this, results);
      } finally {
        dispatchedTo = undefined;
        dispatchedQuery = undefined;
      }
    });
  };
}
