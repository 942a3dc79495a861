import { expect, it } from 'vitest';
import type { RouteSummary } from '../../src/store/reads.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

const counts = (routes: RouteSummary[]) =>
  Object.fromEntries(routes.map((r) => [`${r.method} ${r.route}`, r.count]));

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  it('past maxRoutes, new routes go to (overflow) of their method; (unmatched) does not count', async () => {
    const store = stores.open({ maxRoutes: 2 });
    await store.ingest([
      metrics({ route: '(unmatched)' }),
      metrics({ route: '(unmatched)', method: 'POST' }),
    ]);
    await store.ingest([metrics({ route: '/a' }), metrics({ route: '/b' }), metrics({ route: '/c' })]);
    await store.ingest([metrics({ route: '/d', method: 'POST' }), metrics({ route: '/a' })]);
    await store.ingest([metrics({ route: '/b' }), metrics({ route: '(unmatched)' })]);
    expect(counts(await store.routes())).toEqual({
      'GET (unmatched)': 2,
      'POST (unmatched)': 1,
      'GET /a': 2,
      'GET /b': 2,
      'GET (overflow)': 1,
      'POST (overflow)': 1,
    });
  });

  it('counts each environment separately, and a method makes a distinct route', async () => {
    const store = stores.open({ maxRoutes: 2 });
    await store.ingest([
      metrics({ route: '/a', method: 'GET' }),
      metrics({ route: '/a', method: 'POST' }),
      metrics({ route: '/a', method: 'PUT' }),
      metrics({ route: '/x', environment: 'staging' }),
    ]);
    expect(counts(await store.routes())).toEqual({ 'GET /a': 1, 'POST /a': 1, 'PUT (overflow)': 1 });
    expect(counts(await store.routes({ environment: 'staging' }))).toEqual({ 'GET /x': 1 });
  });

  it('a fresh Store reads the routes already known from the database', async () => {
    const first = stores.open({ maxRoutes: 2 });
    await first.ingest([metrics({ route: '/a' }), metrics({ route: '/b' })]);
    await first.close();

    const second = stores.reopen(first, { maxRoutes: 2 });
    await second.ingest([metrics({ route: '/c' })]);
    await second.ingest([metrics({ route: '/b' })]);
    expect(counts(await second.routes())).toEqual({ 'GET /a': 1, 'GET /b': 2, 'GET (overflow)': 1 });
  });
});
