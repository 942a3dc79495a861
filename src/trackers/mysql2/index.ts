import type { TrackerOptions } from '../tracker.js';
import { propagateContext } from './context.js';
import { countPublishedQueries } from './counting.js';
import { coreObjectsOf } from './targets.js';

export type { TrackerOptions };

/**
 * Counts the queries of mysql2 in the request that issues them: `query` and `execute` of connections,
 * pools and pool connections, in callback, promise (`mysql2/promise`, `.promise()`) and event or stream
 * form, transaction statements included. Call it once at start-up with the module or with a pool or
 * connection; it returns what it is given:
 *
 * ```ts
 * import mysql from 'mysql2';
 * import { trackMysql2 } from 'routeperf/mysql2';
 *
 * trackMysql2(mysql);
 * ```
 *
 * or `const pool = trackMysql2(mysql.createPool(url))`, or `trackMysql2(db.$client)` under Drizzle.
 *
 * On mysql2 3.20 and later queries are counted from mysql2's own tracing channels (`mysql2:query`,
 * `mysql2:execute`); earlier versions publish none, and their connections' `query` and `execute` count
 * instead. Either way one query is one `query` or `execute` call (or one `execute` of a prepared
 * statement) that reaches a connection: it is counted when it is sent, after any wait for a pool
 * connection, and timed until its answer; its shape is its SQL with the values stripped.
 *
 * So that each query counts in the request that issued it, the callbacks of mysql2's pools and commands
 * are made to run in the async context of the call that passed them, as Node's own callbacks do (mysql2
 * runs them in the context of whoever released the pool connection or opened the socket); what they
 * receive, return and throw is unchanged. This patches classes, not one object: passing the module or a
 * pool tracks every pool and connection of that copy of mysql2 (pool clusters included), passing a
 * connection tracks every connection of it. The options of the latest call apply to all of them; calling
 * it again changes nothing else. Outside a request nothing is counted.
 *
 * While anything subscribes to its tracing channels, mysql2 (3.20 and later) itself listens to the `error`
 * event of a query run without a callback, so such an error that the app does not handle is dropped
 * rather than thrown as an uncaught exception.
 */
export function trackMysql2<T>(target: T, options?: TrackerOptions): T {
  try {
    countPublishedQueries(options);
    for (const core of coreObjectsOf(target)) propagateContext(core);
  } catch {
    // Tracking is best effort: an app must never fail because routeperf could not patch its client.
  }
  return target;
}
