import { createServer } from 'node:http';
import { type HttpRouteperfOptions, withRouteperf } from '../../src/adapters/http.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import type { Routeperf } from '../../src/routeperf.js';
import { closeServer, listen } from '../support/http.js';

/** What one request to a `RecordedApp` got, and what routeperf recorded for it. */
export interface RecordedResponse {
  status: number;
  body: unknown;
  recorded: RequestMetrics;
}

/** An app served over a real socket, with routeperf recording each of its requests. */
export interface RecordedApp {
  get(path: string): Promise<RecordedResponse>;
  readonly routeperf: Promise<Routeperf>;
  close(): Promise<void>;
}

/**
 * Serves every request with `handle(path)`: its result is sent as JSON, or, if it throws, a 500 with the
 * message. routeperf is made from `options` (by default an in-memory SQLite store) and records each request
 * in synchronous mode, so its metrics are known once the response has arrived.
 */
export async function startRecordedApp(
  handle: (path: string) => Promise<unknown>,
  options: HttpRouteperfOptions = { database: 'sqlite::memory:' },
): Promise<RecordedApp> {
  const recorded = new Map<string, RequestMetrics>();
  const listener = withRouteperf(
    async (req, res) => {
      try {
        const body = await handle(req.url ?? '/');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body ?? null));
      } catch (error) {
        res.statusCode = 500;
        res.end(JSON.stringify(error instanceof Error ? error.message : String(error)));
      }
    },
    {
      ...options,
      accessRecords: { enabled: true },
      beforeRecord: (metrics) => {
        recorded.set(metrics.path ?? '', metrics);
      },
    },
  );
  const server = createServer(listener);
  const base = await listen(server);
  return {
    routeperf: listener.ready,
    async get(path) {
      const response = await fetch(base + path);
      const body: unknown = await response.json();
      const metrics = recorded.get(path);
      if (!metrics) throw new Error(`routeperf recorded nothing for ${path}`);
      return { status: response.status, body, recorded: metrics };
    },
    async close() {
      await closeServer(server);
      await listener.close();
    },
  };
}

/**
 * Runs `query` again and again outside any request, each after the one before, until `stop()` (which
 * waits for the last one). Resolves once the first has run, so that the loop is going when the caller
 * starts its requests.
 */
export async function queriesOutsideRequests(
  query: () => Promise<unknown>,
): Promise<{ stop(): Promise<void> }> {
  await query();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) await query();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
