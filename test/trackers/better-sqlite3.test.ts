import { setImmediate as otherRequestsRun } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { trackBetterSqlite3 } from '../../src/trackers/better-sqlite3/index.js';
import { deferAfterEach } from '../support/cleanup.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { signal, useRecordedServer } from '../support/recorded-requests.js';
import { sqliteUrl } from '../support/sqlite.js';
import { ownStoreCounts } from './support-own-store.js';
import { withWaitFunction } from './support-sqlite.js';

// Opened and prepared before tracking is enabled, as an app may at start-up: tracked all the same.
const early = new Database(':memory:');
const preparedEarly = early.prepare('select ? + 1 as n');

// The one line an app adds; routeperf's own store on SQLite uses this same better-sqlite3 module.
trackBetterSqlite3(Database);

const defer = deferAfterEach();
const requests = useRecordedServer();

/** A database of the app's, with a table `items` and the function `wait_ms(ms)`. */
function openAppDatabase() {
  const db = withWaitFunction(new Database(':memory:'));
  db.exec('create table items (id integer primary key, name text not null)');
  defer(() => {
    db.close();
  });
  return db;
}

it('refuses what is not better-sqlite3, naming what it expects', () => {
  expect(() => trackBetterSqlite3({ prepare() {}, exec() {} })).toThrow(
    new TypeError(
      "trackBetterSqlite3 expects the better-sqlite3 module (import Database from 'better-sqlite3') or a Database, and got something else",
    ),
  );
});

it('gives each of 100 concurrent requests exactly its own statements, requests taking turns between them', async () => {
  const db = openAppDatabase();
  const wait = db.prepare('select wait_ms(?) as waited');
  const recorded = await concurrentAttribution(async (count, delayMs) => {
    for (let i = 0; i < count; i++) {
      await otherRequestsRun();
      wait.get(delayMs);
    }
  });
  expect(misattributed(recorded)).toEqual([]);
  for (const { count, metrics } of recorded) {
    expect(metrics.queryRepeat).toBe(count);
    expect(metrics.repeatedQuery).toBe(count > 1 ? 'select wait_ms(?) as waited' : undefined);
  }
});

it('counts statements prepared, and databases opened, before tracking was enabled', async () => {
  const { value, metrics } = await requests().run(() => {
    early.exec('create table if not exists early_items (id integer primary key)');
    return preparedEarly.get(1);
  });
  expect(value).toEqual({ n: 2 });
  expect(metrics.queryCount).toBe(2);
});

it('records the statement a request repeats most, and how often', async () => {
  const db = openAppDatabase();
  const { metrics } = await requests().run(() => {
    const insert = db.prepare('insert into items (name) values (?)');
    for (const name of ['a', 'b', 'c']) insert.run(name);
    db.prepare('select count(*) as n from items').get();
  });
  expect(metrics).toMatchObject({
    queryCount: 4,
    queryRepeat: 3,
    repeatedQuery: 'insert into items (name) values (?)',
  });
});

it('records no statements with { recordShapes: false }, and still counts', async () => {
  trackBetterSqlite3(Database, { recordShapes: false });
  defer(() => {
    trackBetterSqlite3(Database);
  });
  const db = openAppDatabase();
  const { metrics } = await requests().run(() => {
    const insert = db.prepare('insert into items (name) values (?)');
    for (const name of ['a', 'b', 'c']) insert.run(name);
  });
  expect(metrics.queryCount).toBe(3);
  expect(metrics.queryRepeat).toBeUndefined();
  expect(metrics.repeatedQuery).toBeUndefined();
});

it('counts nothing outside a request, while a request is under way', async () => {
  const db = openAppDatabase();
  const one = db.prepare('select 1 as one');
  const ranOne = signal();
  const outsideDone = signal();
  const request = requests().run(async () => {
    one.get();
    ranOne.fire();
    await outsideDone.fired;
  });
  await ranOne.fired;
  const outside = [one.get(), one.all(), [...one.iterate()], db.exec('select 1')];
  outsideDone.fire();
  const { metrics } = await request;
  expect(outside).toEqual([{ one: 1 }, [{ one: 1 }], [{ one: 1 }], db]);
  expect(metrics.queryCount).toBe(1);
});

it('counts a failing statement, and the app gets better-sqlite3’s own error; preparing is no query', async () => {
  const db = openAppDatabase();
  const { value: errors, metrics } = await requests().run(() => {
    const failures: unknown[] = [];
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        failures.push(error);
      }
    };
    attempt(() => db.prepare('insert into items (name) values (?)').run(null));
    attempt(() => db.exec('select * from nowhere'));
    attempt(() => db.prepare('insert into items (name) values (?)').iterate('a'));
    attempt(() => db.prepare('select ? as n').get());
    attempt(() => db.prepare('select * from nowhere'));
    return failures;
  });
  expect(errors).toEqual([
    new Database.SqliteError('NOT NULL constraint failed: items.name', 'SQLITE_CONSTRAINT_NOTNULL'),
    new Database.SqliteError('no such table: nowhere', 'SQLITE_ERROR'),
    new TypeError('This statement does not return data. Use run() instead'),
    new RangeError('Too few parameter values were provided'),
    new Database.SqliteError('no such table: nowhere', 'SQLITE_ERROR'),
  ]);
  expect(errors.slice(0, 2).map((error) => (error as { code: string }).code)).toEqual([
    'SQLITE_CONSTRAINT_NOTNULL',
    'SQLITE_ERROR',
  ]);
  expect(metrics.queryCount).toBe(4);
});

it('counts every way of running a statement, with the statements of transactions', async () => {
  const db = openAppDatabase();
  const { value, metrics } = await requests().run(() => {
    const insert = db.prepare('insert into items (name) values (?)');
    const insertAll = db.transaction((names: string[]) => {
      for (const name of names) insert.run(name);
    });
    const first = insert.run('a'); // 1
    insertAll(['b', 'c']); // BEGIN, 2 inserts, COMMIT: 4
    let undone: unknown;
    try {
      db.transaction(() => {
        insert.run('never');
        throw new Error('undo');
      })(); // BEGIN, insert, ROLLBACK: 3
    } catch (error) {
      undone = error;
    }
    db.transaction(() => {
      insert.run('d');
      insertAll(['e']);
    })(); // BEGIN, insert, SAVEPOINT, insert, RELEASE, COMMIT: 6
    db.transaction(() => insert.run('f')).immediate(); // BEGIN IMMEDIATE, insert, COMMIT: 3
    const names = db.prepare('select name from items order by id');
    const iterated: unknown[] = [];
    for (const row of names.iterate()) iterated.push(row); // 1
    for (const row of names.iterate()) {
      iterated.push(row);
      break; // 1, ended by the iterator's return()
    }
    return {
      first: first.changes,
      undone: (undone as Error).message,
      all: names.all(), // 1
      get: names.get(), // 1
      iterated,
      pluck: db.prepare('select name from items where id = ?').pluck().get(1), // 1
      raw: db.prepare('select id, name from items where id = ?').raw().get(2), // 1
      pragma: db.pragma('user_version', { simple: true }), // 1
      exec: db.exec("update items set name = upper(name) where name = 'f'") === db, // 1
    };
  });
  const stored = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name }));
  expect(value).toEqual({
    first: 1,
    undone: 'undo',
    all: stored,
    get: { name: 'a' },
    iterated: [...stored, { name: 'a' }],
    pluck: 'a',
    raw: [2, 'b'],
    pragma: 0,
    exec: true,
  });
  expect(metrics).toMatchObject({
    queryCount: 25,
    queryRepeat: 7,
    repeatedQuery: 'insert into items (name) values (?)',
  });
});

it('times an iteration until it ends, read to the end or left early', async () => {
  const db = openAppDatabase();
  const slowRows = db.prepare(
    'select wait_ms(5) as waited from (select 1 union all select 2 union all select 3)',
  );
  const { value, metrics } = await requests().run(() => {
    const read = [...slowRows.iterate()].length;
    for (const _ of slowRows.iterate()) break;
    return read;
  });
  expect(value).toBe(3);
  expect(metrics.queryCount).toBe(2);
  // Three rows waited 5 ms each, then one more before the loop was left.
  expect(metrics.queryTime).toBeGreaterThanOrEqual(4 * 5);
});

it('counts once however often it is called, on the module or a database (open or closed), and returns what it got', async () => {
  const db = openAppDatabase();
  expect(trackBetterSqlite3(Database)).toBe(Database);
  expect(trackBetterSqlite3(db)).toBe(db);
  const closed = new Database(':memory:');
  closed.close();
  expect(trackBetterSqlite3(closed)).toBe(closed);
  const { metrics } = await requests().run(() => {
    db.prepare('select 1').get();
    db.exec('select 1');
  });
  expect(metrics.queryCount).toBe(2);
});

it('never counts routeperf’s own queries when routeperf stores in SQLite with the same better-sqlite3', async () => {
  const db = openAppDatabase();
  const select = db.prepare('select ? as n');
  const counts = await ownStoreCounts({ database: sqliteUrl() }, async (count) => {
    for (let i = 0; i < count; i++) {
      await otherRequestsRun();
      select.get(i);
    }
  });
  expect(counts.requests.filter(({ ran, recorded, counted }) => recorded !== ran || counted !== ran)).toEqual(
    [],
  );
  expect(counts.stored).toBe(counts.requests.length);
});
