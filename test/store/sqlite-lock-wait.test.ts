/**
 * SQLite's write lock, taken by another connection of the same thread (two stores, or a store and a queue,
 * on one file): a statement that finds it taken waits between timers, so the holder, whose transaction
 * goes on only when the event loop turns, can finish.
 */
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

describeEachDatabase(
  (database) => {
    const stores = useTestStores(database);

    it('migrates and writes once a transaction of the same thread, waiting on a timer, commits', async () => {
      const holder = stores.open();
      await holder.ingest([metrics()]);
      const db = await stores.tables(holder);
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding!: () => void;
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const transaction = db.transaction().execute(async (trx) => {
        await sql`update ${sql.table('routes')} set last_accessed_at = last_accessed_at + 1`.execute(trx);
        holding();
        await released;
      });
      // The holder's own BEGIN waits too (the store's rollup may be writing): a failure of it ends the test.
      await Promise.race([held, transaction]);
      // A store of its own tables on the same file: its migration needs the write lock the holder has.
      const other = stores.open({ database: stores.where(holder).url });
      const writes = Promise.all([other.ingest([metrics()]), holder.ingest([metrics()])]);
      // Only a timer lets the holder commit: a wait that froze the event loop would outlast it and fail.
      setTimeout(release, 20);
      await transaction;
      await writes;
      expect((await other.routes()).map((route) => route.count)).toEqual([1]);
      expect((await holder.routes()).map((route) => route.count)).toEqual([2]);
    });

    it('gives up after the lock wait with the database error, the event loop turning meanwhile', async () => {
      const path = database.url().slice('sqlite:'.length);
      const holder = new Database(path);
      // As routeperf leaves a file it writes.
      holder.pragma('journal_mode = WAL');
      holder.exec('begin immediate');
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 100);
      try {
        const failure = stores.open({ database: `sqlite:${path}` }).migrate();
        await expect(failure).rejects.toBeInstanceOf(RouteperfError);
        await expect(failure).rejects.toThrow(/database is locked/);
        // A wait inside SQLite's busy handler would have held every timer until the error came back.
        expect(ticks).toBeGreaterThan(1);
      } finally {
        clearInterval(ticking);
        holder.close();
      }
    });
  },
  ['sqlite'],
);
