import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { until } from '../support/wait.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

/** Longer than the 5 s a connection may take to open: the wait must not count as one. */
const HOLD_MS = 6_000;

describeEachDatabase(
  (database) => {
    const stores = useTestStores(database);

    it('a write waiting longer than the connect timeout for a busy pool is stored, not dropped', async () => {
      const store = stores.open();
      await store.migrate();
      const { url, prefix } = stores.where(store);
      // The route exists first, so that every write below goes straight to the aggregates it upserts.
      await store.ingest([metrics()]);
      const blocker = new pg.Client({ connectionString: url });
      await blocker.connect();
      let writes: Promise<unknown>[] = [];
      try {
        await blocker.query('begin');
        await blocker.query(`lock table "${prefix}aggregates" in exclusive mode`);
        // Ten writes hold the pool's ten connections, waiting for the lock; the eleventh waits for them.
        writes = Array.from({ length: 11 }, () => store.ingest([metrics()]));
        await until(async () => (await lockWaits(blocker, `${prefix}aggregates`)) === 10, {
          what: 'ten writes waiting for the lock',
        });
        await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
        await blocker.query('commit');
        const outcomes = await Promise.allSettled(writes);
        expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      } finally {
        await blocker.end();
        await Promise.allSettled(writes);
      }
      expect((await store.routes())[0]?.count).toBe(12);
    });
  },
  ['postgres'],
);

/** Connections waiting for a lock on `table`. */
async function lockWaits(client: pg.Client, table: string): Promise<number> {
  const { rows } = await client.query<{ waiting: number }>(
    'select count(*)::int as waiting from pg_locks where relation = $1::regclass and not granted',
    [table],
  );
  return rows[0]!.waiting;
}
