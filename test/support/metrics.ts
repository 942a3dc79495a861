import { randomUUID } from 'node:crypto';
import type { RequestMetrics } from '../../src/record/metrics.js';

/** One request's metrics with plain defaults; tests override what they look at. */
export function requestMetrics(overrides: Partial<RequestMetrics> = {}): RequestMetrics {
  return {
    id: randomUUID(),
    ts: Date.now(),
    environment: 'test',
    method: 'GET',
    route: '/users/:id',
    statusCode: 200,
    requestTime: 10,
    queryCount: 2,
    queryTime: 3,
    memory: 50_000_000,
    ...overrides,
  };
}
