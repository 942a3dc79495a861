import { expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { MINUTE, metrics, T0 } from './samples.js';

const requests = [
  metrics({
    id: 'a',
    ts: T0,
    requestTime: 5,
    queryCount: 1,
    path: '/users/1?tab=orders',
    referer: 'https://x.test/100%_off',
  }),
  metrics({
    id: 'b',
    ts: T0 + MINUTE,
    requestTime: 50,
    queryCount: 12,
    statusCode: 500,
    path: '/users/2',
    userId: 'u7',
  }),
  metrics({
    id: 'c',
    ts: T0 + 2 * MINUTE,
    requestTime: 500,
    queryCount: 3,
    statusCode: 404,
    path: '/USERS/3',
  }),
  metrics({
    id: 'd',
    ts: T0 + 3 * MINUTE,
    requestTime: 20,
    queryCount: 0,
    route: '/orders',
    method: 'POST',
    path: '/orders',
  }),
  metrics({
    id: 'e',
    ts: T0 + 4 * MINUTE,
    requestTime: 20,
    queryCount: 2,
    environment: 'staging',
    path: '/users/9',
  }),
];

describeEachDatabase((database) => {
  const stores = useTestStores(database);
  const ids = (page: { records: { requestId: string }[] }) => page.records.map((r) => r.requestId);

  it('lists the access records of an environment, newest first, with every filter applying', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    await store.ingest(requests);
    const all = await store.accessRecords();
    expect(all.total).toBe(4);
    expect(ids(all)).toEqual(['d', 'c', 'b', 'a']);
    expect(all.records[2]).toMatchObject({
      method: 'GET',
      route: '/users/:id',
      at: new Date(T0 + MINUTE),
      statusCode: 500,
      requestTime: 50,
      queryCount: 12,
      path: '/users/2',
      userId: 'u7',
    });
    const cases = [
      [{ since: T0 + MINUTE, until: T0 + 3 * MINUTE }, ['c', 'b']],
      [{ status: 500 }, ['b']],
      [{ status: '4xx' as const }, ['c']],
      [{ path: 'users/' }, ['c', 'b', 'a']],
      [{ path: 'TAB=' }, ['a']],
      [{ referer: '100%_' }, ['a']],
      [{ referer: '100_' }, []],
      [{ userId: 'u7' }, ['b']],
      [{ route: '/orders', method: 'post' }, ['d']],
      [{ minRequestTime: 20, maxRequestTime: 50 }, ['d', 'b']],
      [{ minQueries: 2, maxQueries: 12 }, ['c', 'b']],
      [{ environment: 'staging' }, ['e']],
    ] as const;
    for (const [query, expected] of cases) {
      const page = await store.accessRecords(query);
      expect(ids(page), JSON.stringify(query)).toEqual(expected);
      expect(page.total).toBe(expected.length);
    }
  });

  it('sorts by each key both ways and pages without repeating or skipping a record', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    await store.ingest(requests);
    expect(ids(await store.accessRecords({ sort: 'requestTime' }))).toEqual(['c', 'b', 'd', 'a']);
    expect(ids(await store.accessRecords({ sort: 'requestTime', order: 'asc' }))).toEqual([
      'a',
      'd',
      'b',
      'c',
    ]);
    expect(ids(await store.accessRecords({ sort: 'queryCount' }))).toEqual(['b', 'c', 'a', 'd']);
    expect(ids(await store.accessRecords({ sort: 'statusCode' }))[0]).toBe('b');
    const pages = [];
    for (let offset = 0; offset < 4; offset += 3) {
      const page = await store.accessRecords({ sort: 'requestTime', order: 'asc', limit: 3, offset });
      expect(page.total).toBe(4);
      pages.push(...ids(page));
    }
    expect(pages).toEqual(['a', 'd', 'b', 'c']);
  });
});
