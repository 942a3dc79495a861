import { startQuery } from '../../core/scope.js';
import type { Method, Tracking } from '../replace-method.js';
import { shapeSource } from '../tracker.js';
import { issueTimed, sqlOf } from './issue.js';
import { dispatchedByPool, takeDispatchedQuery } from './pool.js';

/**
 * `Client.prototype.query`, counting each query when the app calls it: a client runs one query at a
 * time, so a query the app issues while another runs waits in the client's queue and starts later, from
 * the socket's events, in no request's context. The query `pool.query()` makes is timed here, as the
 * pool's.
 */
export function trackedClientQuery(original: Method, tracking: Tracking): Method {
  return function query(this: object, ...args: unknown[]) {
    const started = dispatchedByPool(this)
      ? takeDispatchedQuery()
      : startQuery(shapeSource(tracking.options, sqlOf(args[0])));
    return issueTimed(started, args, (issued) => original.apply(this, issued));
  };
}
