import { expect, it, vi } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

const DAY = 24 * 60 * 60 * 1000;

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  async function accessRecords(store: Store) {
    const db = await stores.tables(store);
    return db
      .selectFrom('access_records')
      .innerJoin('routes', 'routes.id', 'access_records.route_id')
      .select([
        'request_id',
        'routes.method',
        'routes.route',
        'created_at',
        'status_code',
        'request_time',
        'query_count',
        'query_time',
        'memory',
        'path',
        'referer',
        'user_id',
      ])
      .orderBy('created_at')
      .execute();
  }

  it('stores one row per request with its path, referer and user', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    const now = Date.now();
    const first = metrics({
      ts: now - 2,
      path: '/users/7?tab=posts',
      referer: 'https://example.com/',
      userId: 'u-7',
    });
    const second = metrics({ ts: now - 1, route: '/health', statusCode: 503, requestTime: 0.25 });
    await store.ingest([first, second]);
    const rows = (await accessRecords(store)).map((row) => ({
      ...row,
      created_at: Number(row.created_at),
      memory: Number(row.memory),
    }));
    expect(rows).toEqual([
      {
        request_id: first.id,
        method: 'GET',
        route: '/users/:id',
        created_at: first.ts,
        status_code: 200,
        request_time: 10,
        query_count: 2,
        query_time: 3,
        memory: 1000,
        path: '/users/7?tab=posts',
        referer: 'https://example.com/',
        user_id: 'u-7',
      },
      expect.objectContaining({
        request_id: second.id,
        route: '/health',
        status_code: 503,
        request_time: 0.25,
        path: null,
        referer: null,
        user_id: null,
      }),
    ]);
  });

  it('stores a request id once, however often it arrives, and tells ids apart by case', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    const request = metrics({ id: 'req-AbCdEfGh', ts: Date.now() });
    await store.ingest([request, request]);
    await store.ingest([request, metrics({ id: 'req-abcdefgh', ts: Date.now() })]);
    const ids = (await accessRecords(store)).map((row) => row.request_id).sort();
    expect(ids).toEqual(['req-AbCdEfGh', 'req-abcdefgh']);
  });

  it('keeps text that quoting would have to escape exactly as it came, in records and routes', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    const awkward = [
      'a "quoted" path',
      'back\\slash\\',
      '{braces,and,commas}',
      'NULL',
      '',
      "it's ünïcödé ✓ 𝄞",
      '  spaced  ',
    ];
    const batch = awkward.map((text, i) =>
      metrics({ ts: Date.now(), route: `/r/${text}`, path: text, referer: text, userId: `${i}${text}` }),
    );
    await store.ingest(batch, { dedupe: true });
    const rows = await accessRecords(store);
    expect(rows.map((row) => [row.route, row.path, row.referer, row.user_id]).sort()).toEqual(
      awkward.map((text, i) => [`/r/${text}`, text, text, `${i}${text}`]).sort(),
    );
    expect((await store.routes()).map((route) => route.route).sort()).toEqual(
      awkward.map((text) => `/r/${text}`).sort(),
    );
  });

  it('writes no rows when access records are off', async () => {
    const store = stores.open({ accessRecords: { enabled: false } });
    await store.ingest([metrics({ path: '/users/1' })]);
    expect(await accessRecords(store)).toEqual([]);
    expect(await store.routes()).toMatchObject([{ count: 1 }]);
  });

  it('prunes rows older than retentionDays after an ingest, and leaves the aggregates', async () => {
    const store = stores.open({ accessRecords: { enabled: true, retentionDays: 7 } });
    const now = Date.now();
    const recent = metrics({ ts: now - 6 * DAY });
    await store.ingest([metrics({ ts: now - 8 * DAY }), recent, metrics({ ts: now - 30 * DAY })]);
    await vi.waitFor(
      async () => expect((await accessRecords(store)).map((row) => row.request_id)).toEqual([recent.id]),
      { timeout: 5_000, interval: 50 },
    );
    expect(await store.routes()).toMatchObject([{ count: 3 }]);
  });

  it('finishes a pruning in progress before closing', async () => {
    const errors: unknown[] = [];
    const store = stores.open({
      accessRecords: { enabled: true, retentionDays: 1 },
      onBackgroundError: (error) => errors.push(error),
    });
    const recent = metrics({ ts: Date.now() });
    await store.ingest([metrics({ ts: Date.now() - 2 * DAY }), recent]);
    await store.close();
    expect(errors).toEqual([]);
    expect((await accessRecords(store)).map((row) => row.request_id)).toEqual([recent.id]);
  });

  it('walks the records of an environment oldest first in batches, ties and late arrivals included', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    const now = Date.now();
    // Ingested newest first and in two environments: the walk orders by time, ids breaking the ties of the
    // many records of one millisecond, and keeps to its environment.
    const requests = Array.from({ length: 60 }, (_, i) =>
      metrics({
        id: `walk-${String(i).padStart(2, '0')}`,
        ts: now - 1000 + Math.floor(i / 25) * 100,
        route: i % 3 ? '/users/:id' : '/orders',
        statusCode: i % 4 ? 200 : 500,
      }),
    ).reverse();
    await store.ingest(requests.slice(0, 30));
    await store.ingest([metrics({ id: 'elsewhere', environment: 'staging', ts: now - 1000 })]);
    await store.ingest(requests.slice(30));
    const walk = async (query: Parameters<Store['accessRecordBatches']>[0]) => {
      const batches: string[][] = [];
      for await (const batch of store.accessRecordBatches(query, 7))
        batches.push(batch.map((r) => r.requestId));
      return batches;
    };
    const all = await walk({});
    // 61 records read seven at a time; the other environment's one is left out of its batch.
    expect(all.map((batch) => batch.length).sort()).toEqual([5, 6, 7, 7, 7, 7, 7, 7, 7]);
    const inOrder = (ids: string[]) => ids.map((id) => Number(id.slice('walk-'.length)));
    const byTime = (ids: number[]) => [...ids].sort((a, b) => Math.floor(a / 25) - Math.floor(b / 25));
    const ids = inOrder(all.flat());
    expect(new Set(ids).size).toBe(60);
    expect(ids).toEqual(byTime(ids));
    const errors = await walk({ route: '/orders', status: 500 });
    expect(errors.flat().sort()).toEqual(
      requests
        .filter((r) => r.route === '/orders' && r.statusCode === 500)
        .map((r) => r.id)
        .sort(),
    );
    expect((await walk({ environment: 'staging' })).flat()).toEqual(['elsewhere']);
  });
});
