import {
  CamelCasePlugin,
  Kysely,
  type KyselyConfig,
  type LogEvent,
  MysqlDialect,
  PostgresDialect,
  sql,
} from 'kysely';
import mysql from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { trackKysely } from '../../src/trackers/kysely/index.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeEachDatabase, uniquePrefix } from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { queriesOutsideRequests, startRecordedApp } from '../support/recorded-requests.js';

const defer = deferAfterEach();

// The tests' queries name no table of a schema.
type AnyDatabase = any;

describeEachDatabase(
  (database) => {
    const postgres = database.name === 'postgres';
    const sleepOf = (delayMs: number) =>
      postgres ? sql`pg_sleep(${delayMs / 1000})` : sql`sleep(${delayMs / 1000})`;
    const rawShape = postgres ? 'select pg_sleep(?)' : 'select sleep(?)';
    const builderShape = postgres ? 'select pg_sleep(?) as "slept"' : 'select sleep(?) as `slept`';
    // Fewer connections than concurrent requests: most queries wait for another request's connection.
    const config = (extra: Partial<KyselyConfig> = {}): KyselyConfig => ({
      dialect: postgres
        ? new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url(), max: 5 }) })
        : new MysqlDialect({ pool: mysql.createPool({ uri: database.url(), connectionLimit: 5 }) }),
      ...extra,
    });
    let tracking: KyselyConfig;
    let db: Kysely<AnyDatabase>;
    beforeAll(() => {
      tracking = trackKysely(config());
      db = new Kysely(tracking);
    });
    afterAll(() => db.destroy());

    const selectSleep = (delayMs: number) => db.selectNoFrom(sleepOf(delayMs).as('slept'));
    const forms: { name: string; shape: string; run: (count: number, delayMs: number) => Promise<void> }[] = [
      {
        name: 'raw sql',
        shape: rawShape,
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++) await sql`select ${sleepOf(delayMs)}`.execute(db);
        },
      },
      {
        name: 'query builder',
        shape: builderShape,
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++) await selectSleep(delayMs).execute();
        },
      },
      {
        name: 'compiled first, executed later',
        shape: builderShape,
        run: async (count, delayMs) => {
          const compiled = selectSleep(delayMs).compile();
          for (let i = 0; i < count; i++) await db.executeQuery(compiled);
        },
      },
      {
        name: 'instance made by withPlugin',
        shape: builderShape,
        run: async (count, delayMs) => {
          const camel = db.withPlugin(new CamelCasePlugin());
          for (let i = 0; i < count; i++) await camel.selectNoFrom(sleepOf(delayMs).as('slept')).execute();
        },
      },
    ];
    // Kysely streams PostgreSQL results through pg-cursor, which this project does not install.
    if (!postgres)
      forms.push({
        name: 'stream',
        shape: builderShape,
        run: async (count, delayMs) => {
          for (let i = 0; i < count; i++) for await (const _ of selectSleep(delayMs).stream());
        },
      });

    it.each(forms)(
      'gives each of 100 concurrent requests exactly its own queries: $name',
      async ({ run, shape }) => {
        trackKysely(tracking);
        const requests = await concurrentAttribution(run);
        expect(misattributed(requests)).toEqual([]);
        for (const { count, metrics } of requests) {
          expect(metrics.queryRepeat).toBe(count);
          expect(metrics.repeatedQuery).toBe(count > 1 ? shape : undefined);
        }
      },
    );

    it('counts nothing outside requests, on the connections the requests wait for', async () => {
      trackKysely(tracking);
      const background = await queriesOutsideRequests(() => selectSleep(1).execute());
      const requests = await concurrentAttribution(forms[0]!.run).finally(() => background.stop());
      expect(misattributed(requests)).toEqual([]);
    });

    it('records no shapes with recordShapes: false', async () => {
      trackKysely(tracking, { recordShapes: false });
      const requests = await concurrentAttribution(forms[0]!.run, 20).finally(() => trackKysely(tracking));
      expect(misattributed(requests)).toEqual([]);
      expect(requests.map(({ metrics }) => metrics.queryRepeat)).toEqual(requests.map(() => undefined));
    });

    it('counts a query that is executed, never one that is only compiled', async () => {
      const app = await startRecordedApp(async () => {
        for (let i = 0; i < 3; i++) selectSleep(0).compile();
        sql`select 1`.compile(db);
        await selectSleep(0).execute();
      });
      defer(() => app.close());
      expect((await app.get('/compiled')).metrics.queryCount).toBe(1);
    });

    it('counts every statement of transactions, savepoints included', async () => {
      const app = await startRecordedApp(async (path) => {
        if (path.startsWith('/callback')) {
          await db.transaction().execute(async (trx) => {
            await sql`select 1`.execute(trx);
            await trx.selectNoFrom(sql`2`.as('two')).execute();
          });
          return 'ok';
        }
        const trx = await db.startTransaction().execute();
        await sql`select 1`.execute(trx);
        const saved = await trx.savepoint('before_two').execute();
        await sql`select 2`.execute(saved);
        await saved.rollbackToSavepoint('before_two').execute();
        await trx.commit().execute();
        return 'ok';
      });
      defer(() => app.close());
      const callbacks = await Promise.all(Array.from({ length: 20 }, (_, i) => app.get(`/callback/${i}`)));
      // begin, select 1, select 2, commit.
      expect(callbacks.map(({ metrics }) => metrics.queryCount)).toEqual(callbacks.map(() => 4));
      // begin, select 1, savepoint, select 2, rollback to savepoint, commit.
      expect((await app.get('/controlled')).metrics.queryCount).toBe(6);
    });

    it('counts a stream once, even when the app stops reading it early', async () => {
      // Without pg-cursor, PostgreSQL cannot stream: the stream fails, once, as it does untracked.
      const app = await startRecordedApp(async () => {
        let rows = 0;
        const stream = db
          .selectNoFrom(sql`1`.as('one'))
          .unionAll(db.selectNoFrom(sql`2`.as('one')))
          .stream();
        try {
          for await (const _ of stream) if (++rows === 1) break;
        } catch {
          rows = -1;
        }
        return rows;
      });
      defer(() => app.close());
      const { body, metrics } = await app.get('/stream');
      expect(body).toBe(postgres ? -1 : 1);
      expect(metrics.queryCount).toBe(1);
    });

    it('counts a failing query; the app gets the error and results an untracked Kysely gives, and its own log', async () => {
      const events: string[] = [];
      const tracked = new Kysely<AnyDatabase>(
        trackKysely(config({ log: (event: LogEvent) => void events.push(event.level) })),
      );
      const untracked = new Kysely<AnyDatabase>(config());
      defer(() => Promise.all([tracked.destroy(), untracked.destroy()]).then(() => undefined));
      const missing = `${uniquePrefix()}missing`;
      const outcome = async (kysely: Kysely<AnyDatabase>) => ({
        rows: await kysely.selectNoFrom(sql<number>`1 + 1`.as('two')).execute(),
        error: await kysely
          .selectFrom(missing)
          .selectAll()
          .execute()
          .then(
            () => undefined,
            (error: Error & { code?: unknown }) => ({
              name: error.name,
              message: error.message,
              code: error.code,
            }),
          ),
      });
      const app = await startRecordedApp(async (path) => outcome(path === '/tracked' ? tracked : untracked));
      defer(() => app.close());
      const withTracking = await app.get('/tracked');
      const without = await app.get('/untracked');
      expect(withTracking.body).toEqual(without.body);
      expect(withTracking.body).toMatchObject({
        rows: [{ two: expect.anything() }],
        error: { code: expect.anything() },
      });
      expect(withTracking.metrics.queryCount).toBe(2);
      expect(without.metrics.queryCount).toBe(0);
      expect(events).toEqual(['query', 'error']);
    });

    it("keeps Kysely's own logging of the levels the app listed", async () => {
      const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
      defer(() => printed.mockRestore());
      const logged = new Kysely<AnyDatabase>(trackKysely(config({ log: ['error'] })));
      defer(() => logged.destroy());
      const app = await startRecordedApp(async () => {
        await logged.selectNoFrom(sql`1`.as('one')).execute();
        await logged
          .selectFrom(`${uniquePrefix()}missing`)
          .selectAll()
          .execute()
          .catch(() => {});
      });
      defer(() => app.close());
      expect((await app.get('/logged')).metrics.queryCount).toBe(2);
      expect(printed).toHaveBeenCalledOnce();
      expect(String(printed.mock.calls[0]?.[0])).toMatch(/^kysely:error: /);
    });

    it('is idempotent and leaves the config it is given as it was', async () => {
      const original = config();
      const once = trackKysely(original);
      expect(original.log).toBeUndefined();
      expect(once.dialect).toBe(original.dialect);
      expect(trackKysely(once)).toBe(once);
      const twice = new Kysely<AnyDatabase>(trackKysely(once));
      defer(() => twice.destroy());
      const app = await startRecordedApp(async () => {
        await twice.selectNoFrom(sql`1`.as('one')).execute();
      });
      defer(() => app.close());
      expect((await app.get('/twice')).metrics.queryCount).toBe(1);
    });
  },
  ['postgres', 'mysql'],
);
