import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { trackPg } from '../../src/trackers/pg/index.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeWithService, dropTables, POSTGRES_URL, uniquePrefix } from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { closedPort } from '../support/reachability.js';
import { signal, useRecordedServer } from '../support/recorded-requests.js';
import { ownStoreCounts } from './support-own-store.js';
import { postgresUnreachable } from './support-postgres.js';

// The one line an app adds; routeperf's own store on PostgreSQL uses this same pg module.
trackPg(pg);

/** Waits in the database for as many seconds as its parameter says. */
const SLEEP = 'select pg_sleep($1)';
const seconds = (delayMs: number) => [delayMs / 1000];

it('refuses what is not pg, naming what it expects', () => {
  expect(() => trackPg({ query() {} })).toThrow(
    new TypeError(
      "trackPg expects the pg module (import pg from 'pg'), a pg.Pool or a pg.Client, and got something else",
    ),
  );
});

describeWithService('pg', 'postgres', postgresUnreachable, () => {
  const defer = deferAfterEach();
  const requests = useRecordedServer();

  function newPool(max: number) {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max });
    defer(() => pool.end());
    return pool;
  }

  async function newClient() {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    defer(() => client.end());
    return client;
  }

  describe('100 concurrent requests each get exactly their own queries', () => {
    it('pool.query() through a pool of 10 clients, where queries wait and run from others’ callbacks', async () => {
      const pool = newPool(10);
      let mostWaiting = 0;
      const recorded = await concurrentAttribution(async (count, delayMs) => {
        for (let i = 0; i < count; i++) {
          const query = pool.query(SLEEP, seconds(delayMs));
          mostWaiting = Math.max(mostWaiting, pool.waitingCount);
          await query;
        }
      });
      expect(mostWaiting).toBeGreaterThan(0);
      expect(misattributed(recorded)).toEqual([]);
      for (const { count, metrics } of recorded) {
        expect(metrics.queryRepeat).toBe(count);
        expect(metrics.repeatedQuery).toBe(count > 1 ? 'select pg_sleep(?)' : undefined);
      }
    });

    it('client.query() on clients checked out with pool.connect() from a pool of 5', async () => {
      const pool = newPool(5);
      let mostWaiting = 0;
      const recorded = await concurrentAttribution(async (count, delayMs) => {
        const connecting = pool.connect();
        mostWaiting = Math.max(mostWaiting, pool.waitingCount);
        const client = await connecting;
        try {
          for (let i = 0; i < count; i++) await client.query(SLEEP, seconds(delayMs));
        } finally {
          client.release();
        }
      });
      expect(mostWaiting).toBeGreaterThan(0);
      expect(misattributed(recorded)).toEqual([]);
    });

    // pg 8 queues a query issued while another runs (and warns that pg 9 will not): apps still do it.
    it('client.query() on one client, whose queue runs each query after the one before', async () => {
      const client = await newClient();
      const recorded = await concurrentAttribution(async (count, delayMs) => {
        for (let i = 0; i < count; i++) await client.query(SLEEP, seconds(delayMs));
      });
      expect(misattributed(recorded)).toEqual([]);
    });
  });

  it('records the statement a request repeats most, and how often', async () => {
    const pool = newPool(2);
    const { metrics } = await requests().run(async () => {
      for (let id = 1; id <= 4; id++) await pool.query('select $1::int as id', [id]);
      await pool.query('select now()');
    });
    expect(metrics).toMatchObject({ queryCount: 5, queryRepeat: 4, repeatedQuery: 'select ?::int as id' });
  });

  it('records no statements with { recordShapes: false }, and still counts', async () => {
    trackPg(pg, { recordShapes: false });
    defer(() => {
      trackPg(pg);
    });
    const pool = newPool(2);
    const { metrics } = await requests().run(async () => {
      for (let id = 1; id <= 4; id++) await pool.query('select $1::int as id', [id]);
    });
    expect(metrics.queryCount).toBe(4);
    expect(metrics.queryRepeat).toBeUndefined();
    expect(metrics.repeatedQuery).toBeUndefined();
  });

  it('counts nothing outside a request, not even a query the pool runs from a request’s callback', async () => {
    // One client, first connected inside the request: its socket's events run in the request's context.
    const pool = newPool(1);
    const acquired = signal();
    const outsideDone = signal();
    const request = requests().run(async () => {
      pool.once('acquire', acquired.fire);
      await pool.query(SLEEP, seconds(20));
      await outsideDone.fired;
    });
    await acquired.fired;
    // Issued by the test, outside any request, while the request holds the only client: the pool runs it
    // once the request's query is done, from that query's callback.
    const outside = await pool.query('select 1 as outside');
    outsideDone.fire();
    const { metrics } = await request;
    expect(outside.rows).toEqual([{ outside: 1 }]);
    expect(metrics.queryCount).toBe(1);
  });

  it('counts a failing query, and the app gets pg’s own error, by promise, callback or throw', async () => {
    const pool = newPool(2);
    const client = await newClient();
    const missing = 'select * from rpt_no_such_table';
    const { value: errors, metrics } = await requests().run(async () => {
      const fromPool = await pool.query(missing).catch((error: unknown) => error);
      const fromPoolCallback = await new Promise((resolve) => pool.query(missing, (error) => resolve(error)));
      const fromClient = await client.query(missing).catch((error: unknown) => error);
      const fromClientCallback = await new Promise((resolve) =>
        client.query(missing, [], (error) => resolve(error)),
      );
      let thrown: unknown;
      try {
        client.query(undefined as unknown as string);
      } catch (error) {
        thrown = error;
      }
      return { database: [fromPool, fromPoolCallback, fromClient, fromClientCallback], thrown };
    });
    for (const error of errors.database) {
      expect(error).toBeInstanceOf(pg.DatabaseError);
      expect(error).toMatchObject({ code: '42P01', message: 'relation "rpt_no_such_table" does not exist' });
    }
    expect(errors.thrown).toEqual(new TypeError('Client was passed a null or undefined query'));
    expect(metrics.queryCount).toBe(5);
  });

  it('counts a pool.query() whose pool cannot connect, timed until it fails', async () => {
    const port = await closedPort();
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'test', max: 1 });
    defer(() => pool.end());
    const { value: error, metrics } = await requests().run(() =>
      pool.query('select 1').catch((failure: unknown) => failure),
    );
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(metrics.queryCount).toBe(1);
    expect(metrics.queryTime).toBeGreaterThan(0);
  });

  it('counts every way of running a query, leaving results, callbacks and events as pg gives them', async () => {
    const pool = newPool(2);
    const client = await newClient();
    const { value, metrics } = await requests().run(async () => {
      let callbackThis: unknown;
      const submitted = new pg.Query('select generate_series(1, 3) as n');
      return {
        poolPromise: (await pool.query('select $1::int as n', [1])).rows,
        poolCallback: await new Promise((resolve, reject) =>
          pool.query('select 2 as n', (error, result) => (error ? reject(error) : resolve(result.rows))),
        ),
        poolCallbackWithValues: await new Promise((resolve, reject) =>
          pool.query('select $1::int as n', [3], (error, result) =>
            error ? reject(error) : resolve(result.rows),
          ),
        ),
        clientConfig: (await client.query({ text: 'select $1::int as n', values: [4] })).rows,
        clientCallback: await new Promise((resolve, reject) =>
          client.query(
            'select 5 as n',
            function (this: unknown, error: Error | null, result: pg.QueryResult) {
              callbackThis = this;
              return error ? reject(error) : resolve(result.rows);
            },
          ),
        ),
        callbackThisIsItsQuery: callbackThis instanceof pg.Query,
        named: (await client.query({ name: 'rpt-named', text: 'select $1::int as n', values: [6] })).rows,
        arrays: (await client.query({ text: 'select 7 as n', rowMode: 'array' })).rows,
        submittableReturned: client.query(submitted) === submitted,
        events: await new Promise((resolve, reject) => {
          const rows: unknown[] = [];
          submitted.on('row', (row) => rows.push(row));
          submitted.on('end', () => resolve(rows));
          submitted.on('error', reject);
        }),
        connectCallback: await new Promise((resolve, reject) =>
          pool.connect((error, pooled, release) => {
            if (error || !pooled) return reject(error);
            pooled.query('select 8 as n').then(
              (result) => {
                release();
                resolve(result.rows);
              },
              (queryError) => {
                release();
                reject(queryError);
              },
            );
          }),
        ),
      };
    });
    expect(value).toEqual({
      poolPromise: [{ n: 1 }],
      poolCallback: [{ n: 2 }],
      poolCallbackWithValues: [{ n: 3 }],
      clientConfig: [{ n: 4 }],
      clientCallback: [{ n: 5 }],
      callbackThisIsItsQuery: true,
      named: [{ n: 6 }],
      arrays: [[7]],
      submittableReturned: true,
      events: [{ n: 1 }, { n: 2 }, { n: 3 }],
      connectCallback: [{ n: 8 }],
    });
    expect(metrics.queryCount).toBe(9);
  });

  it('times a submittable until its end, and counts one that fails', async () => {
    const client = await newClient();
    const { value, metrics } = await requests().run(async () => {
      const slow = client.query(new pg.Query(SLEEP, seconds(20)));
      await new Promise((resolve) => slow.on('end', resolve));
      const failing = client.query(new pg.Query('select * from rpt_no_such_table'));
      return new Promise((resolve) => failing.on('error', (error) => resolve(error.message)));
    });
    expect(value).toBe('relation "rpt_no_such_table" does not exist');
    expect(metrics.queryCount).toBe(2);
    expect(metrics.queryTime).toBeGreaterThanOrEqual(20 - 1);
  });

  it('counts each statement of a transaction on a client from pool.connect(), committed or rolled back', async () => {
    const prefix = uniquePrefix();
    const table = `${prefix}items`;
    const pool = newPool(2);
    defer(() => dropTables(POSTGRES_URL, prefix));
    await pool.query(`create table ${table} (id serial primary key, name text not null)`);
    const insert = `insert into ${table} (name) values ($1)`;
    const { value, metrics } = await requests().run(async () => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(insert, ['a']);
        await client.query(insert, ['b']);
        await client.query('commit');
        await client.query('begin');
        await client.query(insert, ['c']);
        await client.query(insert, [null]).catch(() => client.query('rollback'));
      } finally {
        client.release();
      }
      return (await pool.query(`select name from ${table} order by id`)).rows.map((row) => row.name);
    });
    expect(value).toEqual(['a', 'b']);
    expect(metrics).toMatchObject({
      queryCount: 9,
      queryRepeat: 4,
      repeatedQuery: `insert into ${table} (name) values (?)`,
    });
  });

  it('counts once however often it is called, on the module, a pool or a client, and returns what it got', async () => {
    const pool = newPool(2);
    const client = await newClient();
    expect(trackPg(pg)).toBe(pg);
    expect(trackPg(pool)).toBe(pool);
    expect(trackPg(client)).toBe(client);
    const { metrics } = await requests().run(async () => {
      await pool.query('select 1');
      await client.query('select 2');
      const pooled = await pool.connect();
      await pooled.query('select 3');
      pooled.release();
    });
    expect(metrics.queryCount).toBe(3);
  });

  it('never counts routeperf’s own queries when routeperf stores in PostgreSQL with the same pg', async () => {
    const pool = newPool(5);
    const tablePrefix = uniquePrefix();
    defer(() => dropTables(POSTGRES_URL, tablePrefix));
    const counts = await ownStoreCounts({ database: POSTGRES_URL, tablePrefix }, async (count) => {
      for (let i = 0; i < count; i++) await pool.query('select $1::int as n', [i]);
    });
    expect(
      counts.requests.filter(({ ran, recorded, counted }) => recorded !== ran || counted !== ran),
    ).toEqual([]);
    expect(counts.stored).toBe(counts.requests.length);
  });
});
