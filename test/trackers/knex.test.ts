import createKnex, { type Knex } from 'knex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trackKnex } from '../../src/trackers/knex/index.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeEachDatabase, uniquePrefix } from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { queriesOutsideRequests, startRecordedApp } from '../support/recorded-requests.js';

const defer = deferAfterEach();

describeEachDatabase(
  (database) => {
    const postgres = database.name === 'postgres';
    /** What sleeps `?` seconds in the database, and its shape once Knex has numbered its binding. */
    const sleep = postgres ? 'pg_sleep(?)' : 'sleep(?)';
    const sleepShape = `select ${sleep}`;
    const seconds = (delayMs: number) => [delayMs / 1000];
    // Fewer connections than concurrent requests: most statements wait for another request's connection.
    const open = () =>
      createKnex({
        client: postgres ? 'pg' : 'mysql2',
        connection: database.url(),
        pool: { min: 0, max: 5 },
      });
    let db: Knex;
    beforeAll(() => {
      db = trackKnex(open());
    });
    afterAll(() => db.destroy());

    const forms: { name: string; run: (count: number, delayMs: number) => Promise<void> }[] = [
      {
        name: 'raw',
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++) await db.raw(`select ${sleep}`, seconds(delayMs));
        },
      },
      {
        name: 'query builder',
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++) await db.select(db.raw(sleep, seconds(delayMs)));
        },
      },
      {
        name: 'query builder with callbacks (asCallback)',
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++)
            await new Promise<void>((resolve, reject) =>
              db
                .select(db.raw(sleep, seconds(delayMs)))
                .asCallback((error: unknown) => (error ? reject(error) : resolve())),
            );
        },
      },
    ];
    // Knex streams PostgreSQL results through pg-query-stream, which this project does not install.
    if (!postgres)
      forms.push({
        name: 'stream',
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++)
            for await (const _ of db.raw(`select ${sleep}`, seconds(delayMs)).stream());
        },
      });

    it.each(forms)(
      'gives each of 100 concurrent requests exactly its own statements: $name',
      async ({ run }) => {
        trackKnex(db);
        const requests = await concurrentAttribution(run);
        expect(misattributed(requests)).toEqual([]);
        for (const { count, metrics } of requests) {
          expect(metrics.queryRepeat).toBe(count);
          expect(metrics.repeatedQuery).toBe(count > 1 ? sleepShape : undefined);
        }
      },
    );

    it('counts nothing outside requests, on the connections the requests wait for', async () => {
      trackKnex(db);
      const background = await queriesOutsideRequests(() => db.raw(`select ${sleep}`, [0.001]));
      const requests = await concurrentAttribution(forms[0]!.run).finally(() => background.stop());
      expect(misattributed(requests)).toEqual([]);
    });

    it('records no shapes with recordShapes: false', async () => {
      trackKnex(db, { recordShapes: false });
      const requests = await concurrentAttribution(forms[0]!.run, 20).finally(() => trackKnex(db));
      expect(misattributed(requests)).toEqual([]);
      expect(requests.map(({ metrics }) => metrics.queryRepeat)).toEqual(requests.map(() => undefined));
    });

    it('counts every statement of transactions, nested ones and those committed by hand', async () => {
      trackKnex(db);
      const app = await startRecordedApp(async (path) => {
        if (path.startsWith('/container')) {
          await db.transaction(async (trx) => {
            await trx.raw('select 1');
            await trx.transaction(async (inner) => {
              await inner.select(db.raw('2 as two'));
            });
          });
        } else {
          const trx = await db.transaction();
          await trx.raw('select 1');
          await trx.rollback();
        }
        return 'ok';
      });
      defer(() => app.close());
      const containers = await Promise.all(Array.from({ length: 20 }, (_, i) => app.get(`/container/${i}`)));
      // BEGIN, select 1, SAVEPOINT, select 2, RELEASE SAVEPOINT, COMMIT.
      expect(containers.map(({ metrics }) => metrics.queryCount)).toEqual(containers.map(() => 6));
      // BEGIN, select 1, ROLLBACK.
      expect((await app.get('/by-hand')).metrics.queryCount).toBe(3);
    });

    it('counts a failing statement; the app gets the error and results an untracked Knex gives', async () => {
      trackKnex(db);
      const untracked = open();
      defer(() => untracked.destroy());
      const missing = `select * from ${uniquePrefix()}missing`;
      const outcome = async (knex: Knex) => ({
        rows: await knex.select(knex.raw('1 + 1 as two')),
        error: await knex.raw(missing).then(
          () => undefined,
          (error: Error & { code?: unknown }) => ({
            name: error.name,
            message: error.message,
            code: error.code,
          }),
        ),
      });
      const app = await startRecordedApp(async (path) => outcome(path === '/tracked' ? db : untracked));
      defer(() => app.close());
      const tracked = await app.get('/tracked');
      const plain = await app.get('/untracked');
      expect(tracked.body).toEqual(plain.body);
      expect(tracked.body).toMatchObject({ rows: [{ two: 2 }], error: { code: expect.anything() } });
      expect(tracked.metrics).toMatchObject({ queryCount: 2 });
      expect(plain.metrics.queryCount).toBe(0);
    });

    it("is idempotent, returns the instance, and leaves Knex's query events as they were", async () => {
      expect(trackKnex(db)).toBe(db);
      expect(trackKnex(db)).toBe(db);
      const events: string[] = [];
      const onQuery = (query: { sql: string }) => events.push(query.sql);
      db.on('query', onQuery);
      defer(() => {
        db.off('query', onQuery);
      });
      const app = await startRecordedApp(async () => {
        await db.raw('select 1');
        await db.transaction(async (trx) => trx.raw('select 2'));
      });
      defer(() => app.close());
      expect((await app.get('/twice')).metrics.queryCount).toBe(4);
      expect(events).toHaveLength(4);
    });
  },
  ['postgres', 'mysql'],
);
