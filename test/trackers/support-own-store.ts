import type { HttpRouteperfOptions } from '../../src/adapters/http.js';
import { endQuery, startQuery } from '../../src/core/scope.js';
import { startRecordedServer } from '../support/recorded-requests.js';

/** What a request of `ownStoreCounts` ran, and what was counted for it. */
export interface OwnStoreRequest {
  /** Queries the request ran itself: its own, plus the one that captured its scope. */
  ran: number;
  /** The count routeperf recorded and stored. */
  recorded: number;
  /** The count in the request's scope once its response came back, routeperf's write of it done. */
  counted: number;
}

/**
 * Serves `requests` concurrent requests through routeperf in synchronous mode on its real store
 * (`options.database`, with a table prefix of the test's own), while the app's queries run through a
 * driver tracked globally, the one the store writes with too. Request i runs `1 + i % 4` queries through
 * `runQueries`. Returns what each request ran and what was counted, and how many requests the store
 * holds: routeperf's own queries counted in a request would show as more counted than ran.
 *
 * The metrics are taken before routeperf writes them, so the recorded count alone could not show a write
 * counted against its own request: the scope itself is looked at too, once the response, which waits for
 * the write in synchronous mode, has come back.
 */
export async function ownStoreCounts(
  options: HttpRouteperfOptions,
  runQueries: (count: number, index: number) => Promise<void> | void,
  requests = 30,
): Promise<{ requests: OwnStoreRequest[]; stored: number }> {
  const server = await startRecordedServer({ ...options, async: false });
  try {
    const results = await Promise.all(
      Array.from({ length: requests }, (_, index) =>
        server.run(async () => {
          // Counts one query with no SQL, and hands back the request's scope.
          const started = startQuery();
          endQuery(started);
          await runQueries(1 + (index % 4), index);
          return { ran: 2 + (index % 4), scope: started?.scope };
        }),
      ),
    );
    const routes = await (await server.listener.ready).routes();
    return {
      requests: results.map(({ value, metrics }) => ({
        ran: value.ran,
        recorded: metrics.queryCount,
        counted: value.scope?.queryCount ?? 0,
      })),
      stored: routes.reduce((sum, route) => sum + route.count, 0),
    };
  } finally {
    await server.close();
  }
}
