import { expect, it } from 'vitest';
import type { TimeseriesPoint } from '../../src/store/reads.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { expectWithin, MINUTE, metrics, nearestRank, T0 } from './samples.js';

const traffic = [
  metrics({ ts: T0 + 1_000, requestTime: 10 }),
  metrics({ ts: T0 + 59_999, requestTime: 20 }),
  metrics({ ts: T0 + 2 * MINUTE, requestTime: 30, statusCode: 500 }),
  metrics({ ts: T0 + 2 * MINUTE + 10_000, requestTime: 40 }),
  metrics({ ts: T0 + 2 * MINUTE + 20_000, requestTime: 50, statusCode: 404 }),
  metrics({ ts: T0 + 3 * MINUTE, requestTime: 100, statusCode: 502, method: 'POST' }),
  metrics({ ts: T0, requestTime: 1000, route: '/other' }),
  metrics({ ts: T0 + MINUTE, requestTime: 7, environment: 'staging' }),
];

const counts = (points: TimeseriesPoint[]) => points.map((p) => [p.at.getTime() - T0, p.count]);

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  it('gives one point per minute for one route, with the empty minutes as zeros', async () => {
    const store = stores.open();
    await store.ingest(traffic);
    const points = await store.timeseries({
      route: '/users/:id',
      method: 'get',
      since: T0,
      until: T0 + 4 * MINUTE,
    });
    const zero = {
      count: 0,
      errorRate: 0,
      requestTime: { avg: 0, max: 0, p50: 0, p95: 0, p99: 0 },
      queries: { avg: 0, max: 0 },
    };
    expect(points).toEqual([
      {
        at: new Date(T0),
        count: 2,
        errorRate: 0,
        requestTime: {
          avg: 15,
          max: 20,
          p50: expect.any(Number),
          p95: expect.any(Number),
          p99: expect.any(Number),
        },
        queries: { avg: 2, max: 2 },
      },
      { at: new Date(T0 + MINUTE), ...zero },
      {
        at: new Date(T0 + 2 * MINUTE),
        count: 3,
        errorRate: 1 / 3,
        requestTime: {
          avg: 40,
          max: 50,
          p50: expect.any(Number),
          p95: expect.any(Number),
          p99: expect.any(Number),
        },
        queries: { avg: 2, max: 2 },
      },
      { at: new Date(T0 + 3 * MINUTE), ...zero },
    ]);
    for (const q of [50, 95, 99] as const) {
      expectWithin(points[0]!.requestTime[`p${q}`], nearestRank([10, 20], q), 0.02);
      expectWithin(points[2]!.requestTime[`p${q}`], nearestRank([30, 40, 50], q), 0.02);
    }
  });

  it('sums every method of a route without a method, and every route without a route', async () => {
    const store = stores.open();
    await store.ingest(traffic);
    const window = { since: T0, until: T0 + 4 * MINUTE };
    const everyMethod = await store.timeseries({ ...window, route: '/users/:id' });
    expect(counts(everyMethod)).toEqual([
      [0, 2],
      [MINUTE, 0],
      [2 * MINUTE, 3],
      [3 * MINUTE, 1],
    ]);
    expect(everyMethod[3]).toMatchObject({ errorRate: 1, requestTime: { avg: 100, max: 100 } });
    const everyRoute = await store.timeseries(window);
    expect(counts(everyRoute)).toEqual([
      [0, 3],
      [MINUTE, 0],
      [2 * MINUTE, 3],
      [3 * MINUTE, 1],
    ]);
    expect(everyRoute[0]!.requestTime).toMatchObject({ avg: 1030 / 3, max: 1000 });
    expect(counts(await store.timeseries({ ...window, environment: 'staging' }))).toEqual([
      [0, 0],
      [MINUTE, 1],
      [2 * MINUTE, 0],
      [3 * MINUTE, 0],
    ]);
  });

  it('widens points to whole minutes and aligns the first one to the step', async () => {
    const store = stores.open();
    await store.ingest(traffic);
    const twoMinutes = await store.timeseries({
      route: '/users/:id',
      since: T0 + 30_000,
      until: T0 + 4 * MINUTE,
      step: 90_000,
    });
    expect(twoMinutes).toEqual([
      {
        at: new Date(T0),
        count: 2,
        errorRate: 0,
        requestTime: expect.objectContaining({ avg: 15 }),
        queries: { avg: 2, max: 2 },
      },
      {
        at: new Date(T0 + 2 * MINUTE),
        count: 4,
        errorRate: 0.5,
        requestTime: expect.objectContaining({ avg: 55, max: 100 }),
        queries: { avg: 2, max: 2 },
      },
    ]);
  });

  it('runs until now by default', async () => {
    const store = stores.open();
    const now = Date.now();
    await store.ingest([metrics({ ts: now - 1_000 })]);
    const points = await store.timeseries({ since: now - 5 * MINUTE });
    expect(points.length).toBeGreaterThanOrEqual(5);
    expect(points.at(-1)!.at.getTime()).toBeLessThanOrEqual(Date.now());
    expect(points.reduce((sum, p) => sum + p.count, 0)).toBe(1);
    expect(points.at(-1)!.count + (points.at(-2)?.count ?? 0)).toBe(1);
  });
});
