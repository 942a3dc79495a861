import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, uniquePrefix } from '../support/databases.js';
import { createOwnDatabase, type OwnDatabase } from '../support/own-database.js';
import { readRoutes } from '../support/seed.js';
import { until } from '../support/wait.js';
import { type ChildApp, startApp } from './child-app.js';

/** What a client sees of a response. */
interface Seen {
  status: number;
  type: string | null;
  body: string;
}

async function get(url: string): Promise<Seen> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** Sends `paths` with `concurrency` requests in flight; `onResponse` hears how many are done. */
async function load(base: string, paths: string[], concurrency: number, onResponse: (done: number) => void) {
  const seen: Seen[] = new Array(paths.length);
  let next = 0;
  let done = 0;
  const client = async () => {
    while (next < paths.length) {
      const i = next++;
      seen[i] = await get(`${base}${paths[i]}`);
      onResponse(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return seen;
}

const TERMINATIONS = 5;
const REQUESTS = 600;
const LATER = 20;

describeEachDatabase(
  (database) => {
    const apps: ChildApp[] = [];
    let own: OwnDatabase | undefined;
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.stop();
      await own?.drop();
      own = undefined;
    });

    it('the app answers every request as without routeperf while the server ends its connections, and stays up', async () => {
      own = await createOwnDatabase(database.name as 'postgres' | 'mysql');
      const target = { database: own.url, tablePrefix: uniquePrefix(), environment: 'test' };
      const plain = await startApp();
      const recorded = await startApp({ DATABASE: target.database, TABLE_PREFIX: target.tablePrefix });
      apps.push(plain, recorded);

      // The schema is created by the first request; ending connections during a migration is another matter.
      await get(`${recorded.address}/items/1`);
      const paths = Array.from({ length: REQUESTS }, (_, i) => `/items/${i}`);
      let done = 0;
      const responses = load(recorded.address, paths, 16, (n) => {
        done = n;
      });
      let ended = 0;
      for (let round = 0; round < TERMINATIONS; round++) {
        const before = done;
        await until(() => done >= before + 20 || done === REQUESTS, { what: 'requests to go on' });
        await until(async () => (await own!.connections()) > 0, { what: 'routeperf to connect' });
        ended += await own.endConnections();
      }
      const seen = await responses;

      expect(recorded.exit(), recorded.stderr()).toBeUndefined();
      expect(recorded.stderr()).not.toMatch(/Unhandled|uncaught/i);
      expect(ended).toBeGreaterThanOrEqual(TERMINATIONS);
      const expected = await load(plain.address, paths, 16, () => {});
      expect(seen).toEqual(expected);

      // Once the server is left alone, every request is stored again.
      const later = await load(
        recorded.address,
        Array.from({ length: LATER }, (_, i) => `/later/${i}`),
        4,
        () => {},
      );
      expect(later.every((response) => response.status === 200)).toBe(true);
      const routes = await readRoutes(target);
      expect(routes.find((route) => route.route === '/later/:id')?.count).toBe(LATER);
      expect(recorded.exit()).toBeUndefined();
    }, 240_000);
  },
  ['postgres', 'mysql'],
);
