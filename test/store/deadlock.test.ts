import { type Kysely, sql } from 'kysely';
import { expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/tables.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

/**
 * Batches lock rows in one order (planBatch sorts them), so routeperf's writers never deadlock each
 * other; another writer can still deadlock with one. The database then aborts one of the two, and when
 * that is the batch, the Ingestor must run it again, once.
 */
describeEachDatabase(
  (database) => {
    const stores = useTestStores(database);

    /** Statements that wait for a row lock on this test's aggregates table. */
    async function lockWaits(db: Kysely<Database>, table: string): Promise<number> {
      const query =
        database.name === 'postgres'
          ? sql<{ n: number }>`select count(*) as n from pg_stat_activity
              where wait_event_type = 'Lock' and query like ${`%"${table}"%`}`
          : sql<{ n: number }>`select count(*) as n from information_schema.innodb_trx
              where trx_state = 'LOCK WAIT' and trx_query like ${`%\`${table}\`%`}`;
      return Number((await query.execute(db)).rows[0]!.n);
    }

    it('a batch aborted as a deadlock victim is run again and counted once', async () => {
      const store = stores.open();
      // Requests of now: the rollup leaves the current minute's rows where this test updates them.
      const now = Date.now();
      await store.ingest([metrics({ route: '/a', ts: now }), metrics({ route: '/b', ts: now })]);
      const db = await stores.tables(store);
      const ids = new Map(
        (await db.selectFrom('routes').select(['id', 'route']).execute()).map((r) => [r.route, Number(r.id)]),
      );
      const table = `${stores.where(store).prefix}aggregates`;

      await db.connection().execute(async (other) => {
        const addThousand = (route: string) =>
          other
            .updateTable('aggregates')
            .set((eb) => ({ count: eb('count', '+', 1000) }))
            .where('route_id', '=', ids.get(route)!)
            .execute();
        await sql`begin`.execute(other);
        // Make this transaction the bigger one: MariaDB rolls back the smaller of two deadlocked ones.
        await other
          .insertInto('histogram')
          .values(Array.from({ length: 200 }, (_, bin) => ({ route_id: 0, bucket: 0, bin, count: 1 })))
          .execute();
        await addThousand('/b');
        const batch = store.ingest([metrics({ route: '/b', ts: now }), metrics({ route: '/a', ts: now })]);
        // The batch has locked /a's row and waits for /b's; asking for /a's closes the cycle.
        // InnoDB refreshes innodb_trx only when it was not read for 100 ms: poll slower than that.
        await vi.waitFor(async () => expect(await lockWaits(db, table)).toBe(1), {
          timeout: 10_000,
          interval: 250,
        });
        await addThousand('/a');
        await sql`commit`.execute(other);
        await batch;
      });

      const counts = Object.fromEntries((await store.routes()).map((r) => [r.route, r.count]));
      expect(counts).toEqual({ '/a': 1002, '/b': 1002 });
    });
  },
  ['postgres', 'mysql'],
);
