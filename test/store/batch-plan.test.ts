import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBatch, planRoutes, routeKey } from '../../src/store/batch-plan.js';
import { binOf } from '../../src/store/histogram.js';
import { MINUTE, metrics, T0 } from './samples.js';

describe('planBatch', () => {
  it('folds a thousand requests to one route in one minute into one row per table and slot', () => {
    const batch = Array.from({ length: 1000 }, (_, i) =>
      metrics({
        ts: T0 + (i % 60) * 1000,
        requestTime: i + 1,
        statusCode: i % 10 === 0 ? 500 : 200,
        queryCount: i % 4,
        queryTime: (i % 4) * 0.5,
        memory: 1000 + i,
      }),
    );
    const plan = planBatch(batch, 5);
    const key = routeKey('test', 'GET', '/users/:id');
    expect(planRoutes(batch)).toEqual([
      {
        key,
        environment: 'test',
        method: 'GET',
        route: '/users/:id',
        firstSeenAt: T0,
        lastAccessedAt: T0 + 59_000,
      },
    ]);
    expect(plan.aggregates).toEqual([
      {
        key,
        bucket: T0,
        count: 1000,
        timeSum: 500_500,
        timeMin: 1,
        timeMax: 1000,
        queryCountSum: 1500,
        queryCountMax: 3,
        queryTimeSum: 750,
        queryTimeMax: 1.5,
        queryRepeatMax: 0,
        repeatedQuery: null,
        nPlusOneCount: 0,
        memorySum: 1000 * 1000 + 499_500,
        memoryMax: 1999,
      },
    ]);
    expect(plan.statuses).toEqual([
      { key, bucket: T0, slot: 200, count: 900 },
      { key, bucket: T0, slot: 500, count: 100 },
    ]);
    expect(plan.bins.reduce((sum, row) => sum + row.count, 0)).toBe(1000);
    expect(plan.bins.find((row) => row.slot === binOf(1000))?.count).toBeGreaterThanOrEqual(1);
  });

  it('keeps routes, environments and minutes apart, and leaves zero times out of the histogram', () => {
    const batch = [
      metrics({ ts: T0 + MINUTE - 1 }),
      metrics({ ts: T0 + MINUTE }),
      metrics({ ts: T0, method: 'POST' }),
      metrics({ ts: T0, environment: 'staging' }),
      metrics({ ts: T0, route: '/health', requestTime: 0 }),
    ];
    const plan = planBatch(batch, 5);
    const routes = planRoutes(batch);
    expect(routes).toHaveLength(4);
    expect(plan.aggregates.map((row) => [row.key, row.bucket - T0, row.count])).toEqual([
      [routeKey('staging', 'GET', '/users/:id'), 0, 1],
      [routeKey('test', 'GET', '/health'), 0, 1],
      [routeKey('test', 'GET', '/users/:id'), 0, 1],
      [routeKey('test', 'GET', '/users/:id'), MINUTE, 1],
      [routeKey('test', 'POST', '/users/:id'), 0, 1],
    ]);
    expect(plan.bins.some((row) => row.key === routeKey('test', 'GET', '/health'))).toBe(false);
    expect(
      routes.find((row) => row.route === '/users/:id' && row.environment === 'test' && row.method === 'GET'),
    ).toMatchObject({ firstSeenAt: T0 + MINUTE - 1, lastAccessedAt: T0 + MINUTE });
  });

  it('keeps the largest repeat of one SQL shape and its shape, and counts the requests over the threshold', () => {
    const shape = 'select * from items where order_id = ?';
    const batch = [
      metrics({ ts: T0, queryRepeat: 5, repeatedQuery: 'select * from users where id = ?' }),
      metrics({ ts: T0 + 1, queryRepeat: 50, repeatedQuery: shape }),
      metrics({ ts: T0 + 2, queryRepeat: 6, repeatedQuery: 'select 1' }),
      metrics({ ts: T0 + 3, queryRepeat: 1 }),
      metrics({ ts: T0 + 4 }),
    ];
    const [row] = planBatch(batch, 5).aggregates;
    // 5 is not more than the threshold of 5; 50 and 6 are.
    expect(row).toMatchObject({ queryRepeatMax: 50, repeatedQuery: shape, nPlusOneCount: 2 });
    expect(planBatch(batch, 49).aggregates[0]).toMatchObject({ queryRepeatMax: 50, nPlusOneCount: 1 });
  });

  it('plans the same rows in the same order whatever the order of the batch', () => {
    const request = fc.record({
      ts: fc.integer({ min: T0, max: T0 + 5 * MINUTE }),
      route: fc.constantFrom('/a', '/b', '/c/:id'),
      method: fc.constantFrom('GET', 'POST'),
      statusCode: fc.constantFrom(200, 404, 500),
      requestTime: fc.constantFrom(0, 0.5, 3, 250),
    });
    const batchAndShuffle = fc
      .array(request, { minLength: 1, maxLength: 60 })
      .map((requests) => requests.map((overrides) => metrics(overrides)))
      .chain((batch) =>
        fc.tuple(fc.constant(batch), fc.shuffledSubarray(batch, { minLength: batch.length })),
      );
    fc.assert(
      fc.property(batchAndShuffle, ([batch, shuffled]) => {
        expect(planBatch(shuffled, 5)).toEqual(planBatch(batch, 5));
        expect(planRoutes(shuffled)).toEqual(planRoutes(batch));
      }),
      { numRuns: 300 },
    );
  });
});
