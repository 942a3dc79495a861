import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
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

const INGEST_ROUTES = fileURLToPath(new URL('./fixtures/ingest-routes.ts', import.meta.url));

/** Starts fixtures/ingest-routes.ts; resolves once it is ready to write. */
async function startWriter(args: (string | number)[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', INGEST_ROUTES, ...args.map(String)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'close').then(([code]) => ({ code, output }));
  await Promise.race([
    once(child.stdout, 'data'),
    exited.then(() => Promise.reject(new Error(`writer exited before it was ready:\n${output}`))),
  ]);
  return { go: () => child.stdin.write('go\n'), exited };
}

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  it('holds for the whole store: writers in several processes admit at most maxRoutes, and count everything', async () => {
    const maxRoutes = 100;
    const writers = 4;
    const requests = 1500;
    const paths = 3000;
    const store = stores.open({ maxRoutes });
    await store.migrate();
    const { url, prefix } = stores.where(store);
    const started = await Promise.all(
      Array.from({ length: writers }, (_, writer) =>
        startWriter([url, prefix, maxRoutes, writer, requests, paths]),
      ),
    );
    for (const writer of started) writer.go();
    for (const { code, output } of await Promise.all(started.map((writer) => writer.exited)))
      expect({ code, output }).toEqual({ code: 0, output: 'ready\ndone\n' });

    for (const environment of ['test', 'staging']) {
      const routes = await store.routes({ environment, limit: 10_000 });
      const named = routes.filter((route) => route.route !== '(overflow)');
      expect(named.length).toBeLessThanOrEqual(maxRoutes);
      // Far more paths than the limit: the limit is reached, not merely respected.
      expect(named.length).toBe(maxRoutes);
      expect(routes.find((route) => route.route === '(overflow)')?.count).toBeGreaterThan(0);
      expect(routes.reduce((sum, route) => sum + route.count, 0)).toBe((writers * requests) / 2);
    }
  });
});
