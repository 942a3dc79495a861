import { expect, it } from 'vitest';
import { binOf } from '../../src/store/histogram.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { expectWithin, MINUTE, metrics, nearestRank, T0 } from './samples.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  it('gives the latency histogram of a window, of one route or all, the same before and after rolling up', async () => {
    const store = stores.open({ autoRollup: false });
    const times = [0.5, 3.1, 3.11, 40, 41, 1200];
    await store.ingest(times.map((requestTime, i) => metrics({ requestTime, ts: T0 + i * HOUR })));
    await store.ingest([metrics({ route: '/other', requestTime: 7, ts: T0 })]);
    const before = await store.latencyHistogram({
      route: '/users/:id',
      method: 'GET',
      since: T0,
      until: T0 + DAY,
    });
    expect(before.reduce((sum, bin) => sum + bin.count, 0)).toBe(6);
    for (const time of times) {
      const bin = before.find((b) => time > b.from && time <= b.to)!;
      expect(bin, `a bin holding ${time} ms`).toBeDefined();
      expect(bin.to / bin.from).toBeCloseTo(1.0202, 3);
    }
    // 3.1 and 3.11 ms share a bin; bins come fastest first.
    expect(before.map((b) => b.count)).toEqual([1, 2, 1, 1, 1]);
    expect(before.map((b) => b.from)).toEqual([...before.map((b) => b.from)].sort((a, b) => a - b));
    expect(await store.latencyHistogram({ since: T0, until: T0 + 1 })).toHaveLength(2);
    expect(await store.latencyHistogram({ since: T0 + HOUR, until: T0 + 3 * HOUR })).toEqual(
      before.filter((b) => b.count === 2),
    );

    await store.rollup();
    expect(await store.latencyHistogram({ route: '/users/:id', since: T0, until: T0 + DAY })).toEqual(before);
    expect(binOf(3.1)).toBe(binOf(3.11));
  });

  it('counts requests per hour of the day and per weekday, in UTC, from the buckets', async () => {
    const store = stores.open({ autoRollup: false });
    // T0 is Wednesday 2025-01-01 12:00 UTC.
    const at = [T0, T0 + 5 * MINUTE, T0 + 3 * HOUR, T0 + DAY, T0 + 4 * DAY + 11 * HOUR + 59 * MINUTE];
    await store.ingest(at.map((ts) => metrics({ ts })));
    await store.ingest([metrics({ ts: T0, route: '/other' })]);
    const heatmap = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    heatmap[3]![12] = 2; // Wednesday 12:00 and 12:05
    heatmap[3]![15] = 1;
    heatmap[4]![12] = 1; // Thursday
    heatmap[0]![23] = 1; // Sunday 23:59
    const byHour = new Array<number>(24).fill(0);
    byHour[12] = 3;
    byHour[15] = 1;
    byHour[23] = 1;
    const expected = { byHour, byWeekday: [1, 0, 0, 3, 1, 0, 0], heatmap };
    const stats = await store.accessStatistics({ route: '/users/:id', since: T0, until: T0 + 7 * DAY });
    expect(stats).toEqual(expected);
    await store.rollup();
    expect(await store.accessStatistics({ route: '/users/:id', since: T0, until: T0 + 7 * DAY })).toEqual(
      expected,
    );
    const all = await store.accessStatistics({ since: T0, until: T0 + 7 * DAY });
    expect(all.byHour[12]).toBe(4);
  });

  it('reads one route exactly by its template, every method of it unless one is named', async () => {
    const store = stores.open();
    await store.ingest([
      metrics({ route: '/users/:id' }),
      metrics({ route: '/users/:id', method: 'DELETE' }),
      metrics({ route: '/users/:id/orders' }),
    ]);
    const routes = await store.routes({ route: '/users/:id', sort: 'route' });
    expect(routes.map((r) => `${r.method} ${r.route}`)).toEqual(['DELETE /users/:id', 'GET /users/:id']);
    expect(await store.routes({ route: '/users/:id', method: 'delete' })).toHaveLength(1);
    expect(await store.routes({ route: '/users' })).toEqual([]);
  });

  it('filters routes by status class and by average time and queries, and counts them on every page', async () => {
    const store = stores.open();
    await store.ingest([
      metrics({ route: '/a', requestTime: 10, queryCount: 1 }),
      metrics({ route: '/a', requestTime: 30, queryCount: 3, statusCode: 503 }),
      metrics({ route: '/b', requestTime: 100, queryCount: 10, statusCode: 404 }),
      metrics({ route: '/c', requestTime: 5, queryCount: 0, statusCode: 302 }),
      metrics({ route: '/d', requestTime: 50, queryCount: 20 }),
    ]);
    const names = async (query: Parameters<typeof store.routesPage>[0]) => {
      const page = await store.routesPage({ sort: 'route', ...query });
      return { total: page.total, routes: page.routes.map((r) => r.route) };
    };
    expect(await names({ statusClass: '5xx' })).toEqual({ total: 1, routes: ['/a'] });
    expect(await names({ statusClass: '2xx' })).toEqual({ total: 2, routes: ['/a', '/d'] });
    expect(await names({ statusClass: '3xx' })).toEqual({ total: 1, routes: ['/c'] });
    expect(await names({ minAvgTime: 20, maxAvgTime: 50 })).toEqual({ total: 2, routes: ['/a', '/d'] });
    expect(await names({ minAvgQueries: 2, maxAvgQueries: 10 })).toEqual({ total: 2, routes: ['/a', '/b'] });
    expect(await names({ limit: 2, offset: 2 })).toEqual({ total: 4, routes: ['/c', '/d'] });
    expect(await names({ statusClass: '4xx', minAvgTime: 200 })).toEqual({ total: 0, routes: [] });
  });

  it('sums a window over every route, percentiles of all requests included, the same after rolling up', async () => {
    const store = stores.open({ autoRollup: false });
    const times = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 200));
    await store.ingest(
      times.map((requestTime, i) =>
        metrics({
          ts: T0 + (i % 90) * MINUTE,
          route: `/r${i % 4}`,
          requestTime,
          queryCount: i % 7,
          statusCode: i % 10 === 0 ? 500 : 200,
          ...(i % 4 === 3 ? { queryRepeat: 9, repeatedQuery: 'select 1' } : {}),
        }),
      ),
    );
    const window = { since: T0, until: T0 + DAY };
    const summary = await store.summary(window);
    expect(summary).toMatchObject({
      routes: 4,
      count: 200,
      errorRate: 0.1,
      requestTime: { min: 1, max: 200, avg: times.reduce((a, b) => a + b) / 200 },
      queries: { max: 6 },
      nPlusOne: { routes: 1, requests: 50 },
    });
    const sorted = [...times].sort((a, b) => a - b);
    for (const q of [50, 90, 95, 99] as const) {
      expectWithin(summary.requestTime[`p${q}`], nearestRank(sorted, q), 0.02);
    }
    expect(await store.summary({ ...window, route: '/r1' })).toMatchObject({ routes: 1, count: 50 });
    await store.rollup();
    expect(await store.summary(window)).toEqual(summary);
    expect(await store.summary({ since: T0 + 2 * DAY })).toMatchObject({ routes: 0, count: 0, errorRate: 0 });
  });
});
