import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { postgresDialect } from '../../src/store/dialects/postgres/postgres-dialect.js';
import type { Database } from '../../src/store/tables.js';
import { describeEachDatabase } from '../support/databases.js';

describeEachDatabase(
  (database) => {
    let db: Kysely<Database> | undefined;
    afterEach(async () => {
      await db?.destroy();
    });

    it('a report read runs without parallel workers, and leaves the pooled connection as it was', async () => {
      // One connection, so that the statement after the read runs on the connection the read used.
      db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url(), max: 1 }) }),
      });
      const workers = async (on: Kysely<Database>) =>
        (
          await sql<{
            value: string;
          }>`select current_setting('max_parallel_workers_per_gather') as value`.execute(on)
        ).rows[0]!.value;
      const before = await workers(db);
      expect(before).not.toBe('0');
      expect(await postgresDialect.readSession(db, workers)).toBe('0');
      expect(await workers(db)).toBe(before);
      await expect(
        postgresDialect.readSession(db, (trx) => sql`create temporary table written (id int)`.execute(trx)),
      ).rejects.toThrow(/read-only transaction/);
    });
  },
  ['postgres'],
);
