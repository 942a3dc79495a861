import { describe, expect, it } from 'vitest';
import { ROUTE_SORT_KEYS } from '../../src/store/reads.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { MINUTE, metrics, T0 } from './samples.js';
import { expectedOrders, sortFixtureRequests } from './sort-fixture.js';

const routeNames = (routes: { route: string }[]) => routes.map((r) => r.route);

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  describe('sorting and paging', () => {
    const requests = sortFixtureRequests();
    const orders = expectedOrders(requests);

    it('the fixture ranks the routes differently for every sort key', () => {
      const distinct = new Set(ROUTE_SORT_KEYS.map((key) => orders[key].join()));
      expect(distinct.size).toBe(ROUTE_SORT_KEYS.length);
    });

    it('sorts by every key in both orders, descending by default except by route', async () => {
      const store = stores.open();
      await store.ingest(requests);
      for (const sort of ROUTE_SORT_KEYS) {
        const ascending = orders[sort];
        const descending = [...ascending].reverse();
        expect(routeNames(await store.routes({ sort, order: 'asc' })), `${sort} asc`).toEqual(ascending);
        expect(routeNames(await store.routes({ sort, order: 'desc' })), `${sort} desc`).toEqual(descending);
        const byDefault = sort === 'route' ? ascending : descending;
        expect(routeNames(await store.routes({ sort })), `${sort}`).toEqual(byDefault);
      }
      expect(routeNames(await store.routes())).toEqual([...orders.avg].reverse());
    });

    it('pages with limit and offset, with the percentiles of every page filled', async () => {
      const store = stores.open();
      await store.ingest(requests);
      const all = await store.routes({ sort: 'count' });
      const pages = [];
      for (let offset = 0; offset < all.length; offset += 2) {
        pages.push(...(await store.routes({ sort: 'count', limit: 2, offset })));
      }
      expect(pages).toEqual(all);
      expect(routeNames(await store.routes({ sort: 'count', limit: 3, offset: 1 }))).toEqual(
        routeNames(all.slice(1, 4)),
      );
      expect(await store.routes({ sort: 'count', offset: all.length })).toEqual([]);
      for (const route of pages) expect(route.requestTime.p50).toBeGreaterThan(0);
    });

    it('reads several orders at once, each list as routesPage gives it, with its details filled', async () => {
      const store = stores.open();
      await store.ingest(requests);
      const lists = [
        { sort: 'p95', limit: 3 },
        { sort: 'queries', order: 'asc', limit: 2, offset: 1 },
        { sort: 'errorRate' },
        { sort: 'p50', order: 'asc', limit: 2 },
      ] as const;
      const read = await store.routeLists({ statusClass: '2xx', lists });
      const each = await Promise.all(lists.map((list) => store.routesPage({ statusClass: '2xx', ...list })));
      expect(read).toEqual({ total: each[0]!.total, lists: each.map((page) => page.routes) });
      expect(read.lists.map((list) => list.length)).toEqual([3, 2, each[2]!.total, 2]);
    });

    it('breaks ties by route and then method, so pages neither repeat nor skip a route', async () => {
      const store = stores.open();
      await store.ingest(
        ['DELETE', 'GET', 'POST', 'PUT'].flatMap((method) => [
          metrics({ method, route: '/b' }),
          metrics({ method, route: '/a' }),
        ]),
      );
      const pages = [];
      for (let offset = 0; offset < 8; offset++) {
        pages.push(...(await store.routes({ sort: 'count', limit: 1, offset })));
      }
      expect(pages.map((r) => `${r.route} ${r.method}`)).toEqual([
        '/a DELETE',
        '/a GET',
        '/a POST',
        '/a PUT',
        '/b DELETE',
        '/b GET',
        '/b POST',
        '/b PUT',
      ]);
    });
  });

  it('counts only the buckets inside the window: since rounded down to the minute, until exclusive', async () => {
    const store = stores.open();
    await store.ingest([
      metrics({ ts: T0 + 5_000, requestTime: 1 }),
      metrics({ ts: T0 + MINUTE + 5_000, requestTime: 2 }),
      metrics({ ts: T0 + MINUTE + 50_000, requestTime: 3 }),
      metrics({ ts: T0 + 2 * MINUTE, requestTime: 4 }),
    ]);
    const window = async (since?: number, until?: number) => {
      const [route] = await store.routes({ since, until });
      return route && { count: route.count, min: route.requestTime.min, max: route.requestTime.max };
    };
    expect(await window()).toEqual({ count: 4, min: 1, max: 4 });
    expect(await window(T0 + MINUTE, T0 + 2 * MINUTE)).toEqual({ count: 2, min: 2, max: 3 });
    expect(await window(T0 + MINUTE + 30_000)).toEqual({ count: 3, min: 2, max: 4 });
    expect(await window(undefined, T0 + MINUTE)).toEqual({ count: 1, min: 1, max: 1 });
    expect(await window(T0 + 3 * MINUTE)).toBeUndefined();
    expect(await store.routes({ since: new Date(T0 + 2 * MINUTE) })).toMatchObject([{ count: 1 }]);
  });

  it('searches route templates case-insensitively and filters by method', async () => {
    const store = stores.open();
    await store.ingest([
      metrics({ route: '/Users/:id' }),
      metrics({ route: '/api/users/:id/posts', method: 'POST' }),
      metrics({ route: '/api/users/:id/posts', method: 'GET' }),
      metrics({ route: '/health' }),
    ]);
    const found = (routes: { method: string; route: string }[]) =>
      routes.map((r) => `${r.method} ${r.route}`).sort();
    expect(found(await store.routes({ search: 'USERS' }))).toEqual([
      'GET /Users/:id',
      'GET /api/users/:id/posts',
      'POST /api/users/:id/posts',
    ]);
    expect(found(await store.routes({ search: 'id/POS' }))).toEqual([
      'GET /api/users/:id/posts',
      'POST /api/users/:id/posts',
    ]);
    expect(found(await store.routes({ method: 'post' }))).toEqual(['POST /api/users/:id/posts']);
    expect(found(await store.routes({ method: 'GET', search: 'health' }))).toEqual(['GET /health']);
    expect(await store.routes({ search: 'nothing' })).toEqual([]);
  });

  it('keeps routes that differ only in letter case apart', async () => {
    const store = stores.open();
    await store.ingest([metrics({ route: '/users' }), metrics({ route: '/Users' })]);
    await store.ingest([metrics({ route: '/USERS' })]);
    const routes = await store.routes({ sort: 'route' });
    expect(routes.map((r) => [r.route, r.count])).toEqual([
      ['/USERS', 1],
      ['/Users', 1],
      ['/users', 1],
    ]);
  });

  it('summarises status codes, error rate, queries, memory and when the route was seen', async () => {
    const store = stores.open();
    await store.ingest([
      metrics({ ts: T0 + 10_000, statusCode: 200, queryCount: 1, queryTime: 2.5, memory: 100 }),
      metrics({ ts: T0 + 3 * MINUTE, statusCode: 503, queryCount: 7, queryTime: 0.5, memory: 700 }),
      metrics({ ts: T0 + MINUTE, statusCode: 404, queryCount: 0, queryTime: 0, memory: 400 }),
    ]);
    await store.ingest([
      metrics({ ts: T0 + 2 * MINUTE, statusCode: 500, queryCount: 4, queryTime: 9, memory: 200 }),
      metrics({ ts: T0 + 2 * MINUTE, statusCode: 200, queryCount: 3, queryTime: 1, memory: 600 }),
    ]);
    const [route] = await store.routes();
    expect(route).toEqual({
      environment: 'test',
      method: 'GET',
      route: '/users/:id',
      count: 5,
      statusCodes: { '200': 2, '404': 1, '500': 1, '503': 1 },
      errorRate: 0.4,
      requestTime: expect.objectContaining({ avg: 10, min: 10, max: 10 }),
      queries: { avg: 3, max: 7, timeAvg: expect.closeTo(2.6, 9), timeMax: 9 },
      nPlusOne: { maxRepeat: 0, query: null, requests: 0 },
      memory: { avg: 400, max: 700 },
      firstSeenAt: new Date(T0 + 10_000),
      lastAccessedAt: new Date(T0 + 3 * MINUTE),
      review: null,
    });
  });

  it('keeps the most repeated SQL shape of a route and counts its N+1 requests, across batches and minutes', async () => {
    const store = stores.open({ nPlusOneThreshold: 5, accessRecords: { enabled: true } });
    const items = 'select * from items where order_id = ?';
    const users = 'select * from users where id = ?';
    await store.ingest([
      metrics({ ts: T0, queryRepeat: 6, repeatedQuery: users }),
      metrics({ ts: T0 + 1, queryRepeat: 5, repeatedQuery: items }),
      metrics({ ts: T0 + MINUTE, queryRepeat: 1 }),
    ]);
    // A later batch into the same minute: its larger repeat replaces the stored shape; a smaller one does not.
    await store.ingest([metrics({ ts: T0 + 2, queryRepeat: 50, repeatedQuery: items })]);
    await store.ingest([metrics({ ts: T0 + 3, queryRepeat: 7, repeatedQuery: users })]);
    const [route] = await store.routes();
    expect(route!.nPlusOne).toEqual({ maxRepeat: 50, query: items, requests: 3 });
    // A window without the minute of the 50 reads that minute's own.
    const later = await store.routes({ since: T0 + MINUTE });
    expect(later[0]!.nPlusOne).toEqual({ maxRepeat: 1, query: null, requests: 0 });
    const db = await stores.tables(store);
    const records = await db
      .selectFrom('access_records')
      .select(['query_repeat', 'repeated_query'])
      .orderBy('created_at')
      .execute();
    expect(records.map((r) => [r.query_repeat, r.repeated_query])).toEqual([
      [6, users],
      [5, items],
      [50, items],
      [7, users],
      [1, null],
    ]);
  });

  it('returns the routes of the asked environment only', async () => {
    const store = stores.open({ environment: 'test' });
    await store.ingest([
      metrics({ environment: 'test', requestTime: 1 }),
      metrics({ environment: 'staging', requestTime: 5 }),
      metrics({ environment: 'staging', requestTime: 7, route: '/staging-only' }),
      metrics({ environment: 'Test', requestTime: 9 }),
    ]);
    const summary = (routes: { environment: string; route: string; count: number }[]) =>
      routes.map((r) => [r.environment, r.route, r.count]);
    expect(summary(await store.routes())).toEqual([['test', '/users/:id', 1]]);
    expect(summary(await store.routes({ environment: 'staging', sort: 'route' }))).toEqual([
      ['staging', '/staging-only', 1],
      ['staging', '/users/:id', 1],
    ]);
    expect(summary(await store.routes({ environment: 'Test' }))).toEqual([['Test', '/users/:id', 1]]);
    expect(await store.routes({ environment: 'production' })).toEqual([]);
  });
});
