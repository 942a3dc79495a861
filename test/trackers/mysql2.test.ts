import { tracingChannel } from 'node:diagnostics_channel';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trackMysql2 } from '../../src/trackers/mysql2/index.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeEachDatabase, dropTables, MYSQL_URL, uniquePrefix } from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { queriesOutsideRequests, startRecordedApp } from '../support/recorded-requests.js';
import { loadMysql2WithoutChannels, mysqlForms, SLEEP_SHAPE } from './support-builders-mysql2.js';

const defer = deferAfterEach();

describeEachDatabase(() => {
  // Fewer connections than concurrent requests: most queries wait for a connection another request
  // releases, and run from that request's callbacks.
  let pool: mysql.Pool;
  beforeAll(() => {
    // Tracked through `mysql2/promise`, which exports no class of the callback API: the callback forms
    // below count right only because tracking it patched the classes of the `mysql2` beside it.
    trackMysql2(mysqlPromise);
    pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 5 });
  });
  afterAll(() => pool.promise().end());

  it.each(mysqlForms(() => pool))(
    'gives each of 100 concurrent requests exactly its own queries: $name',
    async ({ run }) => {
      trackMysql2(mysqlPromise);
      const requests = await concurrentAttribution(run);
      expect(misattributed(requests)).toEqual([]);
      for (const { count, metrics } of requests) {
        expect(metrics.queryRepeat).toBe(count);
        expect(metrics.repeatedQuery).toBe(count > 1 ? SLEEP_SHAPE : undefined);
      }
    },
  );

  it('counts nothing outside requests, even on the connections the requests wait for', async () => {
    trackMysql2(mysqlPromise);
    const background = await queriesOutsideRequests(() => pool.promise().query('select sleep(0.001)'));
    // Requests chaining callbacks, on the connections the loop keeps releasing.
    const chainedCallbacks = mysqlForms(() => pool)[2]!;
    const requests = await concurrentAttribution(chainedCallbacks.run).finally(() => background.stop());
    expect(misattributed(requests)).toEqual([]);
  });

  it('records no shapes with recordShapes: false', async () => {
    trackMysql2(pool.promise(), { recordShapes: false });
    const [form] = mysqlForms(() => pool);
    const requests = await concurrentAttribution(form!.run, 20).finally(() => trackMysql2(mysqlPromise));
    expect(misattributed(requests)).toEqual([]);
    expect(requests.map(({ metrics }) => metrics.queryRepeat)).toEqual(requests.map(() => undefined));
  });

  it('counts a failing query in every form, and the app gets its error and `this` unchanged', async () => {
    trackMysql2(mysqlPromise);
    const table = `${uniquePrefix()}missing`;
    const sql = `select * from ${table}`;
    const app = await startRecordedApp(async () => {
      const connection = await new Promise<mysql.PoolConnection>((resolve, reject) =>
        pool.getConnection((error, got) => (error ? reject(error) : resolve(got))),
      );
      try {
        const callback = await new Promise<{ error: unknown; self: unknown; command: unknown }>((resolve) => {
          const command = connection.query(sql, function (this: unknown, error) {
            resolve({ error, self: this, command });
          });
        });
        const event = await new Promise<unknown>((resolve) => connection.query(sql).on('error', resolve));
        const promised = await pool
          .promise()
          .execute(sql)
          .catch((error: unknown) => error);
        return {
          errors: [callback.error, event, promised].map(describeError),
          sameThis: callback.self === callback.command,
        };
      } finally {
        connection.release();
      }
    });
    defer(() => app.close());
    const { body, metrics } = await app.get('/fail');
    const expected = {
      isError: true,
      code: 'ER_NO_SUCH_TABLE',
      errno: 1146,
      sql,
      message: expect.stringContaining(`${table}' doesn't exist`),
    };
    expect(body).toEqual({ errors: [expected, expected, expected], sameThis: true });
    expect(metrics).toMatchObject({
      queryCount: 3,
      queryRepeat: 3,
      repeatedQuery: `select * from ${table}`,
    });
  });

  it('returns what mysql2 returns, in every form', async () => {
    trackMysql2(mysqlPromise);
    const promisePool = pool.promise();
    const app = await startRecordedApp(async () => {
      const [queried] = await promisePool.query('select 1 + ? as two', [1]);
      const [executed] = await promisePool.execute('select 1 + ? as two', [1]);
      const called = await new Promise((resolve, reject) =>
        pool.query('select 1 + 1 as two', (error, rows) => (error ? reject(error) : resolve(rows))),
      );
      const streamed: unknown[] = [];
      for await (const row of pool.query('select 1 + 1 as two').stream()) streamed.push(row);
      return [queried, executed, called, streamed];
    });
    defer(() => app.close());
    const { body, metrics } = await app.get('/rows');
    expect(body).toEqual([[{ two: 2 }], [{ two: 2 }], [{ two: 2 }], [{ two: 2 }]]);
    expect(metrics.queryCount).toBe(4);
  });

  it('counts transaction statements, with promises and with callbacks', async () => {
    trackMysql2(mysqlPromise);
    const app = await startRecordedApp(async (path) => {
      if (path === '/promise') {
        const connection = await pool.promise().getConnection();
        try {
          await connection.beginTransaction();
          await connection.query('select 1');
          await connection.execute('select 2');
          await connection.rollback();
        } finally {
          connection.release();
        }
        return 'ok';
      }
      const connection = await new Promise<mysql.PoolConnection>((resolve, reject) =>
        pool.getConnection((error, got) => (error ? reject(error) : resolve(got))),
      );
      return new Promise((resolve, reject) => {
        const fail = (error: unknown) => {
          connection.release();
          reject(error);
        };
        connection.beginTransaction((error) => {
          if (error) return fail(error);
          connection.query('select 1', (error) => {
            if (error) return fail(error);
            connection.commit((error) => {
              connection.release();
              return error ? reject(error) : resolve('ok');
            });
          });
        });
      });
    });
    defer(() => app.close());
    expect((await app.get('/promise')).metrics.queryCount).toBe(4);
    expect((await app.get('/callback')).metrics.queryCount).toBe(3);
  });

  it('counts the queries of a connection of its own and of statements it prepares', async () => {
    trackMysql2(mysqlPromise);
    const app = await startRecordedApp(async () => {
      const connection = await mysqlPromise.createConnection({ uri: MYSQL_URL });
      try {
        await connection.query('select 1');
        const statement = await connection.prepare('select ? + 1 as n');
        const [first] = await statement.execute([1]);
        const [second] = await statement.execute([2]);
        return [first, second];
      } finally {
        await connection.end();
      }
    });
    defer(() => app.close());
    const { body, metrics } = await app.get('/own');
    expect(body).toEqual([[{ n: 2 }], [{ n: 3 }]]);
    expect(metrics).toMatchObject({ queryCount: 3, queryRepeat: 2, repeatedQuery: 'select ? + ? as n' });
  });

  it('is idempotent and returns what it is given', async () => {
    const promisePool = pool.promise();
    expect(trackMysql2(mysql)).toBe(mysql);
    expect(trackMysql2(mysqlPromise)).toBe(mysqlPromise);
    expect(trackMysql2(pool)).toBe(pool);
    expect(trackMysql2(promisePool)).toBe(promisePool);
    const anything = {};
    expect(trackMysql2(anything)).toBe(anything);
    const app = await startRecordedApp(async () => {
      await promisePool.query('select 1');
      await promisePool.execute('select 1');
    });
    defer(() => app.close());
    expect((await app.get('/twice')).metrics.queryCount).toBe(2);
  });

  it('on a mysql2 that publishes no tracing channel, counts through its connections', async () => {
    // Tracked through one pool: its class, and that of the connections it hands out, get patched.
    const plainPool = trackMysql2(
      loadMysql2WithoutChannels().createPool({ uri: MYSQL_URL, connectionLimit: 5 }),
    );
    defer(() => plainPool.promise().end());
    let published = 0;
    const countPublished = () => published++;
    tracingChannel('mysql2:query').start.subscribe(countPublished);
    defer(() => tracingChannel('mysql2:query').start.unsubscribe(countPublished));
    for (const { name, run } of mysqlForms(() => plainPool)) {
      const requests = await concurrentAttribution(run, 30);
      expect(misattributed(requests), name).toEqual([]);
      expect(requests.map(({ metrics }) => metrics.queryRepeat)).toEqual(requests.map(({ count }) => count));
    }
    expect(published).toBe(0);
  });

  it("never counts routeperf's own queries, with its store on this database and mysql2 tracked", async () => {
    trackMysql2(mysqlPromise);
    const tablePrefix = uniquePrefix();
    let storeQueries = 0;
    const countStoreQuery = (trace: unknown) => {
      if (String((trace as { query?: unknown }).query).includes(tablePrefix)) storeQueries++;
    };
    const appQueries = 3;
    const app = await startRecordedApp(
      async () => {
        for (let i = 0; i < appQueries; i++) await pool.promise().query('select sleep(0.001)');
        // A read of routeperf's store in the middle of the request.
        const routes = await (await app.routeperf).routes();
        await pool.promise().execute('select 1');
        return routes.length;
      },
      // A budget no loaded machine exceeds: every write is done before its response goes out.
      { database: MYSQL_URL, tablePrefix, async: false, environment: 'test', syncTimeout: 50_000 },
    );
    // Closed before its tables are dropped: its upkeep (a rollup after the first writes) may still run.
    defer(() => app.close());
    defer(() => dropTables(MYSQL_URL, tablePrefix));
    await app.routeperf;
    tracingChannel('mysql2:query').start.subscribe(countStoreQuery);
    defer(() => tracingChannel('mysql2:query').start.unsubscribe(countStoreQuery));
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => app.get(`/own/${i}`)));
    expect(responses.map(({ metrics }) => metrics.queryCount)).toEqual(responses.map(() => appQueries + 1));
    // The store's reads and writes went through the tracked mysql2: at least a read and a write a request.
    expect(storeQueries).toBeGreaterThanOrEqual(40 * 2);
    const stored = await (await app.routeperf).routes();
    expect(stored.map(({ route, count }) => ({ route, count }))).toEqual([{ route: '/own/:id', count: 40 }]);
  });
}, ['mysql']);

function describeError(error: unknown) {
  const { code, errno, sql, message } = error as Record<string, unknown>;
  return { isError: error instanceof Error, code, errno, sql, message };
}
