import { afterEach, expect, it } from 'vitest';
import type { RequestMetrics } from '../../src/core/metrics.js';
import { Store } from '../../src/store/store.js';
import { describeEachDatabase, dropTables, uniquePrefix } from '../support/databases.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const task of cleanup) await task();
  cleanup = [];
});

function metrics(overrides: Partial<RequestMetrics> = {}): RequestMetrics {
  return {
    id: Math.random().toString(36).slice(2),
    ts: Date.now(),
    environment: 'test',
    method: 'GET',
    route: '/users/:id',
    statusCode: 200,
    requestTime: 10,
    queryCount: 2,
    queryTime: 3,
    memory: 1000,
    ...overrides,
  };
}

describeEachDatabase((database) => {
  function openStore(options: { maxRoutes?: number; accessRecords?: boolean } = {}) {
    const url = database.url();
    const prefix = uniquePrefix();
    const store = new Store({
      database: url,
      tablePrefix: prefix,
      environment: 'test',
      autoSetup: true,
      maxRoutes: options.maxRoutes ?? 1000,
      accessRecords: { enabled: options.accessRecords ?? false, retentionDays: null },
      onBackgroundError: () => {},
    });
    cleanup.push(async () => {
      await store.close();
      await dropTables(url, prefix);
    });
    return store;
  }

  it('200 concurrent first requests to a new route give one route row with count 200', async () => {
    const store = openStore();
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.ingest([metrics({ requestTime: i + 1 })])));
    const routes = await store.routes();
    expect(routes).toHaveLength(1);
    expect(routes[0]!.count).toBe(200);
    expect(routes[0]!.requestTime.min).toBe(1);
    expect(routes[0]!.requestTime.max).toBe(200);
    expect(routes[0]!.requestTime.avg).toBeCloseTo(100.5, 6);
  });

  it('aggregates a batch per route and status, with queries and memory', async () => {
    const store = openStore();
    await store.ingest([
      metrics({ statusCode: 200, queryCount: 1, queryTime: 2, memory: 100 }),
      metrics({ statusCode: 500, queryCount: 5, queryTime: 8, memory: 300 }),
      metrics({ route: '/health', requestTime: 1 }),
    ]);
    const [users, health] = await store.routes({ sort: 'avg' });
    expect(users).toMatchObject({
      route: '/users/:id',
      count: 2,
      statusCodes: { '200': 1, '500': 1 },
      errorRate: 0.5,
      queries: { avg: 3, max: 5, timeAvg: 5, timeMax: 8 },
      memory: { avg: 200, max: 300 },
    });
    expect(health).toMatchObject({ route: '/health', count: 1 });
  });
});
