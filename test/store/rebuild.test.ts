import { expect, it } from 'vitest';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { usableTotals } from '../../src/store/environment-totals.js';
import { decodeBins } from '../../src/store/histogram-blob.js';
import type { Store } from '../../src/store/store.js';
import { RESOLUTIONS } from '../../src/store/tables.js';
import { describeEachDatabase } from '../support/databases.js';
import { type TestStoreOptions, useTestStores } from './helpers.js';
import { MINUTE, metrics, T0, traffic } from './samples.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RECORDS_ON = { accessRecords: { enabled: true }, autoRollup: false } satisfies TestStoreOptions;

/** Numbers to 12 significant digits: sums added up in another order differ in their last bits. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v));
}

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  /**
   * Every stored bucket of every resolution (and every minute not rolled up yet), by route name rather
   * than id: its totals, percentile bins, histogram and status counts; `shapes: false` leaves out which
   * query ran most often.
   */
  async function buckets(store: Store, { exact = false, shapes = true } = {}) {
    const db = await stores.tables(store);
    const names = new Map(
      (await db.selectFrom('routes').select(['id', 'environment', 'method', 'route']).execute()).map(
        (row) => [Number(row.id), `${row.environment} ${row.method} ${row.route}`],
      ),
    );
    const statuses = new Map<string, [number, number][]>();
    const statusRows = await db.selectFrom('rollup_statuses').selectAll().orderBy('status_code').execute();
    for (const row of statusRows) {
      const key = `${row.resolution}:${names.get(Number(row.route_id))}:${row.bucket}`;
      statuses.set(key, [...(statuses.get(key) ?? []), [Number(row.status_code), Number(row.count)]]);
    }
    const rows = (await db.selectFrom('rollups').selectAll().execute()).map((row) => {
      const { route_id, latency_bins, resolution, bucket, ...rest } = row;
      const name = names.get(Number(route_id));
      const bins: [number, number][] = [];
      decodeBins(latency_bins, (bin, count) => bins.push([bin, count]));
      const numbers = Object.fromEntries(
        Object.entries(rest).map(([key, value]) => [
          key,
          typeof value === 'string' && key !== 'repeated_query' ? Number(value) : value,
        ]),
      );
      if (!shapes) delete numbers.repeated_query;
      return {
        key: `${Number(resolution)}:${name}:${Number(bucket)}`,
        ...numbers,
        bins,
        statuses: statuses.get(`${resolution}:${name}:${bucket}`) ?? [],
      };
    });
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const minutes = await db.selectFrom('aggregates').select(['route_id', 'bucket', 'count']).execute();
    const all = { rows, minutes: minutes.length };
    return exact ? all : rounded(all);
  }

  /** A store that recorded `requests` and rolled them up, as ingestion and the rollup make its buckets. */
  async function recorded(requests: readonly RequestMetrics[], options: TestStoreOptions = {}) {
    const store = stores.open({ ...RECORDS_ON, ...options });
    for (let i = 0; i < requests.length; i += 500) await store.ingest(requests.slice(i, i + 500));
    await store.rollup();
    return store;
  }

  it('rebuilds from the access records exactly the buckets ingestion and the rollup made, at every resolution', async () => {
    const requests = traffic(3_000, { seed: 11 });
    const store = await recorded(requests);
    const before = await buckets(store);
    expect(new Set(before.rows.map((row) => Number(row.key.split(':')[0])))).toEqual(new Set(RESOLUTIONS));

    const result = await store.rebuild();
    expect(result.skipped).toEqual([]);
    expect(result.environments).toEqual([
      expect.objectContaining({ environment: 'test', accessRecords: 3_000, requestsBefore: 3_000 }),
    ]);
    expect(await buckets(store)).toEqual(before);
  });

  it('puts right buckets that went wrong, and run again gives the same buckets to the last bit', async () => {
    const requests = traffic(2_000, { seed: 12 });
    const store = await recorded(requests);
    const right = await buckets(store);
    const db = await stores.tables(store);
    // Counted twice, lost, and a minute with no request behind it.
    await db
      .updateTable('rollups')
      .set((eb) => ({ count: eb('count', '*', 2) }))
      .where('resolution', '=', HOUR)
      .execute();
    await db
      .deleteFrom('rollups')
      .where('resolution', '=', DAY)
      .where('bucket', '=', T0 - (T0 % DAY) + DAY)
      .execute();
    const [someRoute] = await db.selectFrom('routes').select('id').limit(1).execute();
    await db
      .insertInto('aggregates')
      .values({
        route_id: someRoute!.id,
        bucket: T0 + 30 * MINUTE,
        count: 5,
        time_sum: 50,
        time_min: 10,
        time_max: 10,
        query_count_sum: 0,
        query_count_max: 0,
        query_time_sum: 0,
        query_time_max: 0,
        query_repeat_max: 0,
        repeated_query: null,
        n_plus_one_count: 0,
        memory_sum: 0,
        memory_max: 0,
      })
      .execute();
    expect(await buckets(store)).not.toEqual(right);

    // In many small transactions: each chunk's buckets reach out to the next one's.
    await store.rebuild({ chunkRecords: 97 });
    expect(await buckets(store)).toEqual(right);
    const once = await buckets(store, { exact: true });
    await store.rebuild({ chunkRecords: 97 });
    expect(await buckets(store, { exact: true })).toEqual(once);
  });

  it('rebuilds only the window asked for: coarser buckets reaching out of it keep what they hold outside', async () => {
    const kept = traffic(2_500, { seed: 13 });
    const window = { since: T0 + 5 * HOUR + 17 * MINUTE, until: T0 + DAY + 6 * HOUR + 43 * MINUTE };
    const reference = await recorded(kept);
    // Requests with no access record, inside the window only: the rebuild of the window drops them, and
    // what is left is the store that recorded the others alone.
    const store = await recorded(kept);
    const unrecorded = stores.reopen(store, { autoRollup: false });
    const strays = traffic(400, { seed: 14, start: window.since, span: window.until - window.since });
    await unrecorded.ingest(strays);
    await unrecorded.rollup();
    expect((await store.summary({})).count).toBe(2_900);

    const result = await store.rebuild({ ...window, chunkRecords: 120 });
    const inWindow = kept.filter((m) => m.ts >= window.since && m.ts < window.until).length;
    expect(result.environments).toEqual([
      expect.objectContaining({
        from: window.since,
        to: window.until,
        accessRecords: inWindow,
        requestsBefore: inWindow + 400,
      }),
    ]);
    expect(await buckets(store)).toEqual(await buckets(reference));
  });

  it('counts with the N+1 threshold it runs with: changing the threshold and rebuilding recounts the N+1s', async () => {
    const requests = traffic(1_500, { seed: 15 });
    const store = await recorded(requests);
    const nPlusOnes = async (s: Store) =>
      Object.fromEntries(
        (await s.routes({ sort: 'route' })).map((r) => [`${r.method} ${r.route}`, r.nPlusOne.requests]),
      );
    const expected = (threshold: number) => {
      const counts: Record<string, number> = {};
      for (const m of requests) {
        const key = `${m.method} ${m.route}`;
        counts[key] = (counts[key] ?? 0) + ((m.queryRepeat ?? 0) > threshold ? 1 : 0);
      }
      return counts;
    };
    expect(await nPlusOnes(store)).toEqual(expected(5));
    const stricter = stores.reopen(store, { ...RECORDS_ON, nPlusOneThreshold: 9 });
    await stricter.rebuild();
    expect(await nPlusOnes(stricter)).toEqual(expected(9));
  });

  it('refuses a window before the oldest access record whose buckets hold requests with none, and by default starts after it', async () => {
    // After the traffic, three more requests: two in one minute, the access records purged between them.
    const minute = T0 + 3 * DAY + 10 * MINUTE;
    const extra = [10_000, 40_000, 5 * MINUTE].map((offset) => metrics({ ts: minute + offset }));
    const store = await recorded([...traffic(2_000, { seed: 16 }), ...extra]);
    const before = await buckets(store);
    await (await store.admin()).purgeAccessRecords(minute + 20_000);
    const oldest = new Date(minute + 40_000).toISOString();
    const firstWhole = new Date(minute + MINUTE).toISOString();

    const refusal = store.rebuild({ since: T0 });
    await expect(refusal).rejects.toMatchObject({ code: 'ROUTEPERF_REBUILD_REFUSED' });
    await expect(refusal).rejects.toThrow(
      `Environment "test" has access records from ${oldest} on, and its buckets before ${firstWhole} hold 2001 requests that have none (purged, or never written): rebuilding from ${new Date(T0).toISOString()} would lose them. Use --since ${firstWhole} or later.`,
    );
    expect(await buckets(store)).toEqual(before);

    const result = await store.rebuild();
    expect(result.environments).toEqual([
      expect.objectContaining({ from: minute + MINUTE, accessRecords: 1, requestsBefore: 1 }),
    ]);
    expect(await buckets(store)).toEqual(before);
  });

  it('refuses a window past the newest access record whose buckets hold requests with none, and by default ends there', async () => {
    const requests = traffic(1_000, { seed: 17, span: DAY });
    const store = await recorded(requests);
    const unrecorded = stores.reopen(store, { autoRollup: false });
    await unrecorded.ingest(traffic(300, { seed: 18, start: T0 + 2 * DAY, span: DAY }));
    await unrecorded.rollup();
    const before = await buckets(store);
    await expect(store.rebuild({ since: T0, until: T0 + 4 * DAY })).rejects.toThrow(
      /Use --until .* or earlier/,
    );
    const result = await store.rebuild();
    const newest = Math.max(...requests.map((m) => m.ts));
    expect(result.environments[0]!.to).toBe(newest - (newest % MINUTE));
    expect(await buckets(store)).toEqual(before);
  });

  it('skips environments without access records, and refuses one named', async () => {
    const store = await recorded(traffic(500, { seed: 19 }));
    const other = stores.reopen(store, { autoRollup: false, environment: 'staging' });
    await other.ingest(traffic(50, { seed: 20 }).map((m) => ({ ...m, environment: 'staging' })));
    const result = await store.rebuild();
    expect(result.environments.map((e) => e.environment)).toEqual(['test']);
    expect(result.skipped).toEqual([{ environment: 'staging', reason: 'no access records' }]);
    await expect(store.rebuild({ environment: 'staging' })).rejects.toThrow(
      'Environment "staging" has no access records to rebuild from.',
    );
    await expect(store.rebuild({ environment: 'nowhere' })).rejects.toThrow(
      'Environment "nowhere" has no routes.',
    );
  });

  it('a dry run counts and changes nothing', async () => {
    const store = await recorded(traffic(800, { seed: 21 }));
    const window = { since: T0 + 2 * HOUR, until: T0 + 20 * HOUR };
    const unrecorded = stores.reopen(store, { autoRollup: false });
    await unrecorded.ingest(
      traffic(70, { seed: 25, start: window.since, span: window.until - window.since }),
    );
    await unrecorded.rollup();
    const before = await buckets(store);
    const result = await store.rebuild({ ...window, dryRun: true });
    const records = await store.accessRecords({ ...window, limit: 1 });
    expect(result.environments).toEqual([
      {
        environment: 'test',
        from: window.since,
        to: window.until,
        accessRecords: records.total,
        requestsBefore: records.total + 70,
      },
    ]);
    expect(await buckets(store)).toEqual(before);
  });

  it('makes the environment totals whole again after a route was deleted', async () => {
    const store = await recorded(traffic(1_200, { seed: 22 }));
    const admin = await store.admin();
    await admin.deleteRoute({ method: 'GET', route: '/r0' });
    const db = await stores.tables(store);
    expect(await usableTotals(db, 'test', T0)).toBeUndefined();
    const sumOfRoutes = (await store.routes()).reduce((sum, route) => sum + route.count, 0);
    const { environments } = await store.rebuild();
    expect(await usableTotals(db, 'test', environments[0]!.from)).toBeDefined();
    expect((await store.summary({ since: environments[0]!.from })).count).toBe(sumOfRoutes);
  });

  it('keeps to retention: rebuilds a day at a time where minutes are gone, and only the resolutions still kept', async () => {
    const retention = { minutes: 2 * DAY, hours: null, days: null };
    const requests = traffic(2_000, { seed: 23 });
    const reference = await recorded(requests, { retention });
    const store = await recorded(requests, { retention });
    const db = await stores.tables(store);
    await db
      .deleteFrom('rollups')
      .where('resolution', 'in', [HOUR, DAY])
      .where('route_id', '<=', 3)
      .execute();
    expect(await buckets(store)).not.toEqual(await buckets(reference));
    await store.rebuild({ chunkRecords: 100 });
    const rebuilt = await buckets(store);
    expect(rebuilt.rows.some((row) => row.key.startsWith(`${MINUTE}:`))).toBe(false);
    expect(rebuilt).toEqual(await buckets(reference));
  });

  it('counts each request once while requests for the window are ingested during the rebuild', async () => {
    const first = traffic(2_000, { seed: 24 });
    const store = await recorded(first);
    const writer = stores.reopen(store, RECORDS_ON);
    const late = Array.from({ length: 20 }, (_, i) => traffic(50, { seed: 100 + i }));
    let writing = true;
    const writes = (async () => {
      for (const batch of late) await writer.ingest(batch);
      writing = false;
    })();
    let rebuilds = 0;
    do {
      await store.rebuild({ chunkRecords: 100 });
      rebuilds++;
    } while (writing);
    await writes;
    await store.rollup();
    const all = [...first, ...late.flat()];
    expect((await store.summary({})).count).toBe(all.length);
    const reference = await recorded(all);
    // Requests that came after a bucket was rolled up add to it in the order they came: where two routes
    // tie for the most repeated query, which one names it depends on that order.
    expect(await buckets(store, { shapes: false })).toEqual(await buckets(reference, { shapes: false }));
    expect(rebuilds).toBeGreaterThan(0);
  });
});
