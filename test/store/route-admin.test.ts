import { expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { MINUTE, metrics, T0 } from './samples.js';

const DAY = 24 * 60 * MINUTE;

/** Requests per `METHOD route`, over all time. */
async function counts(store: Store, environment?: string) {
  const routes = await store.routes({ environment });
  return Object.fromEntries(routes.map((r) => [`${r.method} ${r.route}`, r.count]));
}

const traffic = () => [
  ...Array.from({ length: 30 }, (_, i) => metrics({ id: `u${i}`, ts: T0 + i * MINUTE, route: '/users/:id' })),
  ...Array.from({ length: 20 }, (_, i) => metrics({ id: `o${i}`, ts: T0 + i * DAY, route: '/orders' })),
  metrics({ id: 's1', route: '/users/:id', environment: 'staging' }),
];

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  it('reviews a route, changes the review and resets it; an unknown route is not reviewed', async () => {
    const store = stores.open();
    await store.ingest(traffic());
    const admin = await store.admin();
    const route = { method: 'get', route: '/orders' };
    expect(
      await admin.review(route, { reviewer: 'ana', queriesImproved: true, timeImproved: null }, T0),
    ).toBe(true);
    const [reviewed] = await store.routes({ route: '/orders' });
    expect(reviewed!.review).toEqual({
      reviewedAt: new Date(T0),
      reviewer: 'ana',
      queriesImproved: true,
      timeImproved: null,
    });
    await admin.review(route, { reviewer: null, queriesImproved: false, timeImproved: true }, T0 + 1);
    expect((await store.routes({ route: '/orders' }))[0]!.review).toMatchObject({
      queriesImproved: false,
      timeImproved: true,
    });
    expect((await store.routes({ route: '/users/:id' }))[0]!.review).toBeNull();
    await admin.review(route, null);
    expect((await store.routes({ route: '/orders' }))[0]!.review).toBeNull();
    expect(await admin.review({ method: 'GET', route: '/nowhere' }, null)).toBe(false);
  });

  it('deletes what was recorded of one route, rolled up or not, and the route comes back with new requests', async () => {
    const store = stores.open({ autoRollup: false, accessRecords: { enabled: true } });
    await store.ingest(traffic());
    await store.rollup(T0 + 15 * MINUTE);
    const admin = await store.admin();
    await admin.review(
      { method: 'GET', route: '/users/:id' },
      { reviewer: 'ana', queriesImproved: null, timeImproved: null },
    );
    expect((await store.summary()).count).toBe(50);
    expect(await admin.deleteRoute({ method: 'GET', route: '/users/:id' })).toBe(30);
    expect(await counts(store)).toEqual({ 'GET /orders': 20 });
    // The environment's totals held the route: whole-environment reads no longer use them.
    expect(await store.summary()).toMatchObject({ routes: 1, count: 20 });
    const series = await store.timeseries({ since: T0, step: DAY });
    expect(series.reduce((sum, point) => sum + point.count, 0)).toBe(20);
    expect(await counts(store, 'staging')).toEqual({ 'GET /users/:id': 1 });
    expect((await store.accessRecords({ route: '/users/:id' })).total).toBe(0);
    expect((await store.accessRecords()).total).toBe(20);

    await store.ingest([metrics({ id: 'again', route: '/users/:id', ts: T0 + 40 * DAY })]);
    await store.rollup(T0 + 41 * DAY);
    const [back] = await store.routes({ route: '/users/:id' });
    expect(back).toMatchObject({ count: 1, review: null });
  });

  it('clears an environment, and purges or deletes access records by filter', async () => {
    const store = stores.open({ accessRecords: { enabled: true } });
    await store.ingest(traffic());
    const admin = await store.admin();
    expect(await admin.purgeAccessRecords(T0 + 10 * DAY)).toBe(30 + 10 + 1);
    expect((await store.accessRecords()).total).toBe(10);
    expect(await admin.deleteAccessRecords({ since: T0 + 15 * DAY })).toBe(5);
    expect((await store.accessRecords()).records.map((r) => r.requestId)).toEqual([
      'o14',
      'o13',
      'o12',
      'o11',
      'o10',
    ]);
    await store.rollup(T0 + 30 * DAY);
    expect(await admin.clearEnvironment('test')).toBe(50);
    expect(await counts(store)).toEqual({});
    expect(await store.summary()).toMatchObject({ routes: 0, count: 0 });
    expect((await store.accessRecords()).total).toBe(0);
    // Cleared, its totals are the sums of its routes again: new requests count in both.
    await store.ingest([metrics({ id: 'new', ts: T0 + 50 * DAY })]);
    await store.rollup(T0 + 51 * DAY);
    expect(await store.summary()).toMatchObject({ routes: 1, count: 1 });
    expect(await counts(store, 'staging')).toEqual({ 'GET /users/:id': 1 });
  });
});
