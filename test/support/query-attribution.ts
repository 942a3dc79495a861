import { createServer } from 'node:http';
import { withRouteperf } from '../../src/adapters/http.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { closeServer, hammer, listen } from './http.js';
import { capturingLogger } from './logger.js';

/** What one request of `concurrentAttribution` ran, and what routeperf recorded for it. */
export interface AttributedRequest {
  index: number;
  /** Queries the request ran, one after the other. */
  count: number;
  /** What each of its queries waited in the database, in ms. */
  delayMs: number;
  recorded: RequestMetrics;
}

/** The delays the requests' queries wait, in ms: requests with different times side by side. */
const DELAYS_MS = [0, 2, 5, 10];

/**
 * Serves `requests` concurrent requests (default 100) through a real HTTP server recorded by routeperf;
 * request i runs `1 + i % 9` queries through `runQueries`, each waiting `DELAYS_MS[i % 4]` ms in the
 * database. Returns, per request, what it ran and the metrics routeperf recorded for it, so a test can
 * check that each request got exactly its own queries.
 */
export async function concurrentAttribution(
  runQueries: (count: number, delayMs: number, index: number) => Promise<void>,
  requests = 100,
): Promise<AttributedRequest[]> {
  const recorded = new Map<string, RequestMetrics>();
  const { logger, lines } = capturingLogger();
  const listener = withRouteperf(
    async (req, res) => {
      const index = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i'));
      await runQueries(plannedCount(index), plannedDelay(index), index);
      res.end('ok');
    },
    {
      database: 'sqlite::memory:',
      logger,
      beforeRecord: (metrics) => {
        recorded.set(metrics.path ?? '', metrics);
      },
      accessRecords: { enabled: true },
    },
  );
  const server = createServer(listener);
  const base = await listen(server);
  try {
    const statuses = await hammer((i) => `${base}/q?i=${i}`, requests, requests);
    if (statuses.some((status) => status !== 200)) throw new Error(`statuses: ${statuses.join(',')}`);
    await (await listener.ready).close();
    if (lines.error.length > 0) throw new Error(`routeperf logged errors: ${lines.error.join('; ')}`);
  } finally {
    await closeServer(server);
  }
  return Array.from({ length: requests }, (_, index) => ({
    index,
    count: plannedCount(index),
    delayMs: plannedDelay(index),
    recorded: recorded.get(`/q?i=${index}`)!,
  }));
}

const plannedCount = (index: number) => 1 + (index % 9);
const plannedDelay = (index: number) => DELAYS_MS[index % DELAYS_MS.length]!;

/** A timer may fire up to a millisecond before its delay as performance.now() measures it. */
const TIMER_GRANULARITY_MS = 1;

/**
 * The checks every tracker must pass: each request has exactly its own query count, and a query time of
 * at least what its queries waited (less a timer's granularity), and at most its whole request time (queries ran one after the other).
 * Returns the requests that fail, described, so that a test's failure names them.
 */
export function misattributed(requests: readonly AttributedRequest[]): string[] {
  return requests
    .filter(
      ({ count, delayMs, recorded }) =>
        !recorded ||
        recorded.queryCount !== count ||
        recorded.queryTime < count * (delayMs - TIMER_GRANULARITY_MS) ||
        recorded.queryTime > recorded.requestTime,
    )
    .map(
      ({ index, count, delayMs, recorded }) =>
        `request ${index}: ran ${count} queries of ${delayMs} ms, recorded ${
          recorded
            ? `${recorded.queryCount} queries, ${recorded.queryTime.toFixed(2)} ms of ${recorded.requestTime.toFixed(2)} ms`
            : 'nothing'
        }`,
    );
}
