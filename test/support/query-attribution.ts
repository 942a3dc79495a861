import type { RequestMetrics } from '../../src/record/metrics.js';
import { startRecordedApp } from './recorded-requests.js';

/** What one request of `concurrentAttribution` ran, and what routeperf recorded for it. */
export interface AttributedRequest {
  index: number;
  /** Queries the request ran, one after the other. */
  count: number;
  /** What each of its queries waited in the database, in ms. */
  delayMs: number;
  metrics: RequestMetrics;
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
  const app = await startRecordedApp(async (path) => {
    const index = Number(new URL(path, 'http://x').searchParams.get('i'));
    await runQueries(plannedCount(index), plannedDelay(index), index);
  });
  try {
    const responses = await Promise.all(
      Array.from({ length: requests }, (_, index) => app.get(`/q?i=${index}`)),
    );
    const failed = responses.filter(({ status }) => status !== 200);
    if (failed.length > 0)
      throw new Error(`failed requests: ${JSON.stringify(failed.map(({ body }) => body))}`);
    return responses.map(({ metrics }, index) => ({
      index,
      count: plannedCount(index),
      delayMs: plannedDelay(index),
      metrics,
    }));
  } finally {
    await app.close();
  }
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
      ({ count, delayMs, metrics }) =>
        !metrics ||
        metrics.queryCount !== count ||
        metrics.queryTime < count * (delayMs - TIMER_GRANULARITY_MS) ||
        metrics.queryTime > metrics.requestTime,
    )
    .map(
      ({ index, count, delayMs, metrics }) =>
        `request ${index}: ran ${count} queries of ${delayMs} ms, metrics ${
          metrics
            ? `${metrics.queryCount} queries, ${metrics.queryTime.toFixed(2)} ms of ${metrics.requestTime.toFixed(2)} ms`
            : 'nothing'
        }`,
    );
}
