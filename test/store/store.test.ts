import { expect, it } from 'vitest';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { TOTALS_METHOD } from '../../src/store/environment-totals.js';
import { decodeBins } from '../../src/store/histogram-blob.js';
import type { RouteSummary } from '../../src/store/reads.js';
import type { Store } from '../../src/store/store.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { MINUTE, metrics, T0 } from './samples.js';

const STATUSES = [200, 201, 404, 500, 503];

/**
 * `count` requests cycling through `routes` templates, two methods and `minutes` minutes, so that every
 * (route, method, minute) has its own aggregate row. Times are in quarter ms, so sums are exact.
 */
function traffic(count: number, routes: number, minutes: number, seed = 0): RequestMetrics[] {
  return Array.from({ length: count }, (_, n) => {
    const i = n + seed;
    return metrics({
      route: `/r/${i % routes}`,
      method: Math.floor(i / routes) % 2 ? 'POST' : 'GET',
      ts: T0 + (Math.floor(i / (2 * routes)) % minutes) * MINUTE + (i % 59) * 1000,
      statusCode: STATUSES[Math.floor(i / 7) % STATUSES.length]!,
      requestTime: ((i * 7919) % 4001) / 4 + 0.25,
      queryCount: i % 9,
      queryTime: (i % 13) / 4,
      memory: 1_000_000 + (i % 1000),
    });
  });
}

type Totals = Pick<RouteSummary, 'count' | 'statusCodes'> & {
  time: [sum: number, min: number, max: number];
  queries: [sum: number, max: number, timeSum: number, timeMax: number];
  memory: [sum: number, max: number];
};

function expectedTotals(requests: RequestMetrics[]): Record<string, Totals> {
  const totals: Record<string, Totals> = {};
  for (const m of requests) {
    const key = `${m.method} ${m.route}`;
    const t = totals[key] ?? {
      count: 0,
      statusCodes: {},
      time: [0, Number.POSITIVE_INFINITY, 0],
      queries: [0, 0, 0, 0],
      memory: [0, 0],
    };
    totals[key] = t;
    t.count += 1;
    t.statusCodes[m.statusCode] = (t.statusCodes[m.statusCode] ?? 0) + 1;
    t.time = [
      t.time[0] + m.requestTime,
      Math.min(t.time[1], m.requestTime),
      Math.max(t.time[2], m.requestTime),
    ];
    t.queries = [
      t.queries[0] + m.queryCount,
      Math.max(t.queries[1], m.queryCount),
      t.queries[2] + m.queryTime,
      Math.max(t.queries[3], m.queryTime),
    ];
    t.memory = [t.memory[0] + m.memory, Math.max(t.memory[1], m.memory)];
  }
  return totals;
}

async function storedTotals(store: Store): Promise<Record<string, Totals>> {
  const routes = await store.routes();
  return Object.fromEntries(
    routes.map((r) => [
      `${r.method} ${r.route}`,
      {
        count: r.count,
        statusCodes: r.statusCodes,
        time: [r.requestTime.avg * r.count, r.requestTime.min, r.requestTime.max],
        queries: [r.queries.avg * r.count, r.queries.max, r.queries.timeAvg * r.count, r.queries.timeMax],
        memory: [r.memory.avg * r.count, r.memory.max],
      },
    ]),
  );
}

/** Sums recomputed from averages carry one rounding; anything more is a wrong total. */
function expectTotals(stored: Record<string, Totals>, expected: Record<string, Totals>) {
  expect(Object.keys(stored).sort()).toEqual(Object.keys(expected).sort());
  for (const [route, totals] of Object.entries(expected)) {
    const got = stored[route]!;
    expect({ route, count: got.count, statusCodes: got.statusCodes }).toEqual({
      route,
      count: totals.count,
      statusCodes: totals.statusCodes,
    });
    for (const field of ['time', 'queries', 'memory'] as const) {
      totals[field].forEach((value, i) => {
        expect(got[field][i], `${route} ${field}[${i}]`).toBeCloseTo(value, 6);
      });
    }
  }
}

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  /** Requests in the latency histograms of every minute: those not rolled up yet, and the rolled-up ones. */
  /**
   * Every request's bin, still waiting to be rolled up or rolled up into minutes. Two reads: the store
   * must be opened with `autoRollup: false`, or a rollup between them could count a minute twice.
   */
  async function histogramCount(store: Store): Promise<number> {
    const db = await stores.tables(store);
    const recent = await db
      .selectFrom('histogram')
      .select((eb) => eb.fn.sum<number>('count').as('count'))
      .executeTakeFirstOrThrow();
    // The routes' own buckets, without their environment's totals (see environment-totals.ts).
    const totals = db.selectFrom('routes').select('id').where('method', '=', TOTALS_METHOD);
    const rolled = await db
      .selectFrom('rollups')
      .select('latency_bins')
      .where('resolution', '=', MINUTE)
      .where('route_id', 'not in', totals)
      .execute();
    let count = Number(recent.count ?? 0);
    for (const row of rolled) decodeBins(row.latency_bins, (_, n) => (count += n));
    return count;
  }

  it('200 concurrent first requests to a new route give one route row with count 200', async () => {
    const store = stores.open();
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.ingest([metrics({ requestTime: i + 1 })])));
    const routes = await store.routes();
    expect(routes).toHaveLength(1);
    expect(routes[0]!.count).toBe(200);
    expect(routes[0]!.requestTime.min).toBe(1);
    expect(routes[0]!.requestTime.max).toBe(200);
    expect(routes[0]!.requestTime.avg).toBeCloseTo(100.5, 6);
  });

  it('aggregates a batch per route and status, with queries and memory', async () => {
    const store = stores.open();
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

  it('stores one batch of 20,000 requests over 100 routes and 120 minutes with exact totals', async () => {
    const store = stores.open({ accessRecords: { enabled: true }, autoRollup: false });
    const batch = traffic(20_000, 50, 120);
    const summary = await store.ingest(batch);
    expect(summary).toMatchObject({ requests: 20_000, routes: 100 });
    expectTotals(await storedTotals(store), expectedTotals(batch));
    expect(await histogramCount(store)).toBe(20_000);
    const db = await stores.tables(store);
    const records = await db
      .selectFrom('access_records')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(records.count)).toBe(20_000);
  });

  it('writes nothing of a batch that fails at its last statement', async () => {
    const store = stores.open({ accessRecords: { enabled: true }, autoRollup: false });
    const first = traffic(500, 5, 3);
    await store.ingest(first);
    const before = await storedTotals(store);
    // Access records are written last: without their table, the batch fails after every other write.
    const db = await stores.tables(store);
    await db.schema.dropTable('access_records').execute();
    await expect(store.ingest([...traffic(5_000, 20, 10, 1), metrics({ route: '/new' })])).rejects.toThrow();
    expect(await storedTotals(store)).toEqual(before);
    expect(await histogramCount(store)).toBe(500);
  });

  it('10 concurrent batches of 500 to overlapping routes give exact totals', async () => {
    const store = stores.open({ autoRollup: false });
    const batches = Array.from({ length: 10 }, (_, seed) => traffic(500, 20, 3, seed * 101));
    await Promise.all(batches.map((batch) => store.ingest(batch)));
    expectTotals(await storedTotals(store), expectedTotals(batches.flat()));
    expect(await histogramCount(store)).toBe(5_000);
  });
});
