import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { expect, it, vi } from 'vitest';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { usableTotals } from '../../src/store/environment-totals.js';
import type { RouteSummary } from '../../src/store/reads.js';
import type { Store } from '../../src/store/store.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { MINUTE, T0, traffic } from './samples.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const QUARTER_DAY = 6 * HOUR;
const ROLLUP_ONCE = fileURLToPath(new URL('./fixtures/rollup-once.ts', import.meta.url));

/** What a window of the traffic must read as, per route, from the requests themselves. */
function truth(requests: readonly RequestMetrics[], since: number, until: number) {
  const routes = new Map<
    string,
    { count: number; timeSum: number; min: number; max: number; queries: number }
  >();
  for (const m of requests) {
    const bucket = m.ts - (m.ts % MINUTE);
    if (bucket < since || bucket >= until) continue;
    const key = `${m.method} ${m.route}`;
    const route = routes.get(key) ?? { count: 0, timeSum: 0, min: Infinity, max: 0, queries: 0 };
    route.count++;
    route.timeSum += m.requestTime;
    route.min = Math.min(route.min, m.requestTime);
    route.max = Math.max(route.max, m.requestTime);
    route.queries += m.queryCount;
    routes.set(key, route);
  }
  return routes;
}

function expectTruth(summaries: RouteSummary[], expected: ReturnType<typeof truth>) {
  expect(new Set(summaries.map((r) => `${r.method} ${r.route}`))).toEqual(new Set(expected.keys()));
  for (const summary of summaries) {
    const want = expected.get(`${summary.method} ${summary.route}`)!;
    expect(summary.count).toBe(want.count);
    expect(summary.requestTime.min).toBe(want.min);
    expect(summary.requestTime.max).toBe(want.max);
    expect(summary.requestTime.avg * summary.count).toBeCloseTo(want.timeSum, 6);
    expect(summary.queries.avg * summary.count).toBeCloseTo(want.queries, 6);
  }
}

/** Windows with edges inside hours and days, and every route of each, as a plan of reads. */
const WINDOWS = [
  [undefined, undefined],
  [T0 + 5 * HOUR + 17 * MINUTE, T0 + 7 * HOUR + 43 * MINUTE],
  [T0 + 3 * HOUR + 5 * MINUTE, T0 + 2 * DAY + HOUR + 59 * MINUTE],
  [T0 + 26 * MINUTE, T0 + 27 * MINUTE],
  [T0 - DAY, T0 + 30 * DAY],
] as const;

/**
 * Numbers to 12 significant digits: sums of request times added up in another order (per minute, then per
 * hour) differ in their last bits.
 */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v));
}

async function readEverything(store: Store) {
  const windows = [];
  for (const [since, until] of WINDOWS) windows.push(await store.routes({ since, until, sort: 'route' }));
  const series = [];
  for (const step of [MINUTE, 7 * MINUTE, HOUR, DAY]) {
    series.push(await store.timeseries({ since: T0 + 11 * HOUR, until: T0 + 13 * HOUR + 5 * MINUTE, step }));
    series.push(await store.timeseries({ route: '/r1', since: T0, until: T0 + 3 * DAY, step: step * 10 }));
  }
  // Whole-environment reads, which rolled-up environment totals answer once there are some.
  const whole = [];
  for (const [since, until] of WINDOWS) {
    whole.push(await store.summary({ since, until }), await store.latencyHistogram({ since, until }));
    whole.push(await store.accessStatistics({ since, until }));
  }
  return rounded({ windows, series, whole });
}

/** One connection per store for the counts, however often a test polls them. */
const countingConnections = new WeakMap<Store, ReturnType<ReturnType<typeof useTestStores>['tables']>>();

async function rowCount(
  store: Store,
  table: 'aggregates' | 'histogram' | 'status_counts' | 'rollups',
  stores: ReturnType<typeof useTestStores>,
) {
  if (!countingConnections.has(store)) countingConnections.set(store, stores.tables(store));
  const db = await countingConnections.get(store)!;
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  it('reads the same traffic the same before and after rolling up: totals, statuses, shapes, percentiles', async () => {
    const store = stores.open({ autoRollup: false });
    const requests = traffic(4_000);
    for (let i = 0; i < requests.length; i += 500) await store.ingest(requests.slice(i, i + 500));
    const before = await readEverything(store);
    const result = await store.rollup();
    expect(result).toMatchObject({ requests: 4_000, expired: 0 });
    expect(await rowCount(store, 'aggregates', stores)).toBe(0);
    expect(await rowCount(store, 'histogram', stores)).toBe(0);
    expect(await usableTotals(await stores.tables(store), 'test', 0)).toBeDefined();
    expect(await readEverything(store)).toEqual(before);
    for (const [since, until] of WINDOWS) {
      const summaries = await store.routes({ since, until });
      expectTruth(summaries, truth(requests, since ?? 0, until ?? Number.MAX_SAFE_INTEGER));
    }
  });

  it('adds requests that arrive for minutes already rolled up, and rolls up twice to the same result', async () => {
    const store = stores.open({ autoRollup: false });
    const first = traffic(1_500, { seed: 2 });
    const late = traffic(1_500, { seed: 3 });
    await store.ingest(first);
    await store.rollup();
    await store.ingest(late);
    const mixed = await readEverything(store);
    await store.rollup();
    expect(await store.rollup()).toEqual({ folded: 0, requests: 0, expired: 0 });
    expect(await readEverything(store)).toEqual(mixed);
    expectTruth(await store.routes(), truth([...first, ...late], 0, Number.MAX_SAFE_INTEGER));
  });

  it('pages routes sorted by a percentile as the whole sorted list does, with buckets rolled up or not, with or without their percentile bins', async () => {
    const store = stores.open({ autoRollup: false });
    // Routes that differ in speed, from one to a hundred times slower, as apps' routes do.
    const requests = traffic(3_000, { routes: 40, seed: 4 }).map((m) => ({
      ...m,
      requestTime: m.requestTime * (1 + Number(m.route.slice(2)) ** 2 / 16),
    }));
    await store.ingest(requests.slice(0, 2_000));
    await store.rollup();
    await store.ingest(requests.slice(2_000));
    const expectPagesOfWholeList = async () => {
      for (const [since, until] of WINDOWS.slice(0, 3)) {
        for (const sort of ['p50', 'p95'] as const) {
          for (const order of ['asc', 'desc'] as const) {
            const all = await store.routes({ since, until, sort, order });
            for (const [limit, offset] of [
              [3, 0],
              [5, 4],
            ] as const) {
              const page = await store.routes({ since, until, sort, order, limit, offset });
              expect(page, `${sort} ${order} ${since} ${limit}@${offset}`).toEqual(
                all.slice(offset, offset + limit),
              );
            }
          }
        }
      }
    };
    await expectPagesOfWholeList();
    // Buckets rolled up before their percentile bins were kept have none.
    const db = await stores.tables(store);
    await db
      .updateTable('rollups')
      .set({ p50_bin: null, p95_bin: null })
      .where('route_id', '<=', 10)
      .execute();
    await expectPagesOfWholeList();
  });

  it('upgraded from before quarter days, reads as a store that always kept them, and keeps them from the next whole one on', async () => {
    const requests = traffic(4_000, { span: 2 * DAY, seed: 6 });
    const upgradedAt = T0 + DAY + HOUR;
    const reference = stores.open({ autoRollup: false });
    await reference.ingest(requests);
    await reference.rollup(T0 + 3 * DAY);

    const store = stores.open({ autoRollup: false });
    await store.ingest(requests.filter((m) => m.ts < upgradedAt));
    await store.rollup(upgradedAt);
    // What the version before wrote: the same buckets but quarter days, and no record of this migration.
    const db = await stores.tables(store);
    await db.deleteFrom('rollups').where('resolution', '=', QUARTER_DAY).execute();
    await db.deleteFrom('rollup_statuses').where('resolution', '=', QUARTER_DAY).execute();
    // Nor of those after it: a store of that version has neither their records nor their tables.
    const { prefix } = stores.where(store);
    const migrations = sql.table(`${prefix}migrations`);
    await sql`delete from ${migrations} where name in (${'0011_quarter_days'}, ${'0012_alerts'})`.execute(db);
    for (const table of ['alert_states', 'alert_deliveries', 'leases'])
      await db.schema.dropTable(table).execute();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(upgradedAt);
    try {
      expect((await store.migrate()).results).toEqual([
        expect.objectContaining({ migrationName: '0011_quarter_days', status: 'Success' }),
        expect.objectContaining({ migrationName: '0012_alerts', status: 'Success' }),
      ]);
    } finally {
      clock.mockRestore();
    }
    await store.ingest(requests.filter((m) => m.ts >= upgradedAt));
    await store.rollup(T0 + 3 * DAY);

    const quarters = await db
      .selectFrom('rollups')
      .select((eb) => eb.fn.min<number>('bucket').as('first'))
      .where('resolution', '=', QUARTER_DAY)
      .executeTakeFirstOrThrow();
    expect(Number(quarters.first)).toBe(T0 + DAY + 6 * HOUR);
    expect(await readEverything(store)).toEqual(await readEverything(reference));
    // Days of 24 hours across the upgrade, as the dashboard's last-24-hours period reads them.
    for (const since of [T0 + 2 * HOUR, T0 + 13 * HOUR, T0 + 19 * HOUR]) {
      const until = since + DAY;
      expectTruth(await store.routes({ since, until }), truth(requests, since, until));
      expect(rounded(await store.summary({ since, until }))).toEqual(
        rounded(await reference.summary({ since, until })),
      );
    }
  });

  it('deletes minutes, then hours, past their retention, and reads older times from coarser buckets', async () => {
    const store = stores.open({
      autoRollup: false,
      retention: { minutes: 2 * DAY, hours: 10 * DAY, days: null },
    });
    const requests = traffic(3_000, { span: 4 * DAY, seed: 4 });
    await store.ingest(requests);
    await store.rollup(T0 + 4 * DAY + 5 * MINUTE);
    const since = T0 + 7 * HOUR + 20 * MINUTE;
    // Minutes before T0 + 2 days are gone: the window starts at its hour.
    expectTruth(await store.routes({ since }), truth(requests, T0 + 7 * HOUR, Number.MAX_SAFE_INTEGER));
    const recent = T0 + 3 * DAY + 20 * MINUTE;
    expectTruth(await store.routes({ since: recent }), truth(requests, recent, Number.MAX_SAFE_INTEGER));
    const points = await store.timeseries({ since, until: T0 + 10 * HOUR, step: MINUTE });
    expect(points.map((p) => p.at.getTime())).toEqual([T0 + 7 * HOUR, T0 + 8 * HOUR, T0 + 9 * HOUR]);

    const result = await store.rollup(T0 + 30 * DAY);
    expect(result.expired).toBeGreaterThan(0);
    // Hours before T0 + 20 days are gone too: the window starts at its day.
    expectTruth(await store.routes({ since }), truth(requests, T0 - 12 * HOUR, Number.MAX_SAFE_INTEGER));
    expectTruth(await store.routes(), truth(requests, 0, Number.MAX_SAFE_INTEGER));
  });

  it('a rollup killed half way and run again counts every request once', async () => {
    const store = stores.open({ autoRollup: false });
    const requests = traffic(8_000, { span: 2 * DAY, routes: 40, seed: 5 });
    for (let i = 0; i < requests.length; i += 4_000) await store.ingest(requests.slice(i, i + 4_000));
    const minutes = await rowCount(store, 'aggregates', stores);
    // Fifteen transactions of 500 minutes, or so.
    expect(minutes).toBeGreaterThan(7_000);

    const child = rollupInAnotherProcess(store);
    // Killed once some of its transactions have committed, and before the last.
    await vi.waitFor(
      async () => expect(await rowCount(store, 'aggregates', stores)).toBeLessThan(minutes - 600),
      { timeout: 120_000, interval: 50 },
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const left = await rowCount(store, 'aggregates', stores);
    expect(left).toBeGreaterThan(0);
    expectTruth(await store.routes(), truth(requests, 0, Number.MAX_SAFE_INTEGER));

    expect((await store.rollup()).folded).toBe(left);
    expectTruth(await store.routes(), truth(requests, 0, Number.MAX_SAFE_INTEGER));
  });

  it('two processes rolling up at once, while requests keep coming for past minutes, count each request once', async () => {
    const store = stores.open({ autoRollup: false });
    const requests = traffic(8_000, { span: 2 * DAY, routes: 40, seed: 6 });
    await store.ingest(requests);
    const late = traffic(2_000, { span: 2 * DAY, routes: 40, seed: 7 });
    const child = rollupInAnotherProcess(store);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await Promise.all([
      store.rollup(),
      (async () => {
        for (let i = 0; i < late.length; i += 100) await store.ingest(late.slice(i, i + 100));
      })(),
    ]);
    expect(await exited).toBe(0);
    await store.rollup();
    expect(await rowCount(store, 'aggregates', stores)).toBe(0);
    expectTruth(await store.routes(), truth([...requests, ...late], 0, Number.MAX_SAFE_INTEGER));
  });

  function rollupInAnotherProcess(store: Store): ChildProcess {
    const { url, prefix } = stores.where(store);
    return spawn(process.execPath, ['--import', 'tsx', ROLLUP_ONCE, url, prefix], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
});
