import type { RequestMetrics } from '../../src/record/metrics.js';
import { requestMetrics } from '../support/metrics.js';
import { seededRandom as random } from '../support/random.js';

/** 2025-01-01 12:00 UTC: a minute boundary, so `T0 + n * MINUTE` is the start of bucket n. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0);
export const MINUTE = 60_000;

/** One request's metrics at T0 (the defaults are a 200 to `GET /users/:id` taking 10 ms), memory 1000 B. */
export function metrics(overrides: Partial<RequestMetrics> = {}): RequestMetrics {
  return requestMetrics({ ts: T0, memory: 1000, ...overrides });
}

/** Exact nearest-rank percentile: the value at rank ceil(q·n), counted from 1, of the sorted values. */
export function nearestRank(sorted: readonly number[], percent: number): number {
  // Integer arithmetic: q·n in floating point can land just above a whole number and skip a rank.
  const rank = Math.ceil((percent * sorted.length) / 100);
  return sorted[Math.max(1, rank) - 1]!;
}

export function expectWithin(actual: number, expected: number, relative: number): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  if (!(error <= relative)) {
    throw new Error(`expected ${actual} within ${relative * 100}% of ${expected} (off by ${error * 100}%)`);
  }
}

/**
 * `count` requests spread over `span` ms from `start` on `routes` routes: request times over three orders
 * of magnitude, a few errors, query counts, N+1 shapes on some.
 */
export function traffic(
  count: number,
  { start = T0, span = 3 * 24 * 60 * MINUTE, routes = 8, seed = 1 } = {},
): RequestMetrics[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const route = Math.floor(next() * routes);
    const repeat = route % 3 === 0 ? 1 + Math.floor(next() * 12) : undefined;
    return metrics({
      ts: start + Math.floor(next() * span),
      route: `/r${route}`,
      method: route % 4 === 1 ? 'POST' : 'GET',
      statusCode: next() < 0.05 ? 500 : next() < 0.1 ? 404 : 200,
      requestTime: Math.round(1 + 999 * next() ** 3 * 1000) / 1000,
      queryCount: Math.floor(next() * 20),
      queryTime: Math.round(next() * 50_000) / 1000,
      memory: Math.floor(next() * 1e7),
      ...(repeat ? { queryRepeat: repeat, repeatedQuery: `select * from t${route} where id = ?` } : {}),
    });
  });
}
