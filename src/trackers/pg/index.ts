import { replaceMethod } from '../replace-method.js';
import type { TrackerOptions } from '../tracker.js';
import { trackedClientQuery } from './client.js';
import { trackedPoolConnect, trackedPoolQuery } from './pool.js';
import { pgPrototypesOf } from './targets.js';

export type { TrackerOptions } from '../tracker.js';

/**
 * Counts and times every query node-postgres runs in a request: `pool.query()`, `client.query()` (promise,
 * callback, or a submittable such as `new pg.Query(…)` or a cursor), and the queries of a transaction on a
 * client from `pool.connect()`. Each query counts once, in the request that issued it, even when it waits
 * for a free client or behind another query of the same client.
 *
 * Call it once at start-up, before or after creating pools and clients: `trackPg(pg)` with the module
 * (`import pg from 'pg'`) tracks every pool and client of it. It also takes a `pg.Pool` or a `pg.Client`,
 * returned as it is (`const pool = trackPg(new pg.Pool())`); that tracks every pool, or client, of its
 * class alike, since the tracking replaces methods of the class. An app with pools should pass the module
 * or a pool: tracking a client alone leaves `pool.query()` untracked, and a pool's waiting queries would
 * then count in the request that frees a client.
 *
 * Calling it again changes nothing but the options, which apply to every pool and client it tracks.
 * Queries outside a request, or inside routeperf's own writes, count nothing.
 *
 * @throws TypeError when `target` is not the pg module, a pg.Pool or a pg.Client.
 */
export function trackPg<T extends object>(target: T, options?: TrackerOptions): T {
  const prototypes = pgPrototypesOf(target);
  if (!prototypes)
    throw new TypeError(
      "trackPg expects the pg module (import pg from 'pg'), a pg.Pool or a pg.Client, and got something else",
    );
  for (const client of prototypes.clients) replaceMethod(client, 'query', options, trackedClientQuery);
  for (const pool of prototypes.pools) {
    replaceMethod(pool, 'query', options, trackedPoolQuery);
    replaceMethod(pool, 'connect', options, trackedPoolConnect);
  }
  return target;
}
