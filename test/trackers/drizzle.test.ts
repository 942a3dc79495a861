import { setImmediate as otherRequestsRun } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import { integer, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core';
import mysql from 'mysql2';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sqlShape } from '../../src/core/sql-shape.js';
import { trackDrizzle } from '../../src/trackers/drizzle/index.js';
import { deferAfterEach } from '../support/cleanup.js';
import {
  describeWithService,
  dropTables,
  MYSQL_URL,
  POSTGRES_URL,
  uniquePrefix,
  unreachable,
} from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { useRecordedServer } from '../support/recorded-requests.js';
import { postgresUnreachable } from './support-postgres.js';
import { withWaitFunction } from './support-sqlite.js';

const defer = deferAfterEach();
const requests = useRecordedServer();

describe('what trackDrizzle does not support', () => {
  const expected =
    'trackDrizzle expects a Drizzle database whose db.$client is a pg.Pool or pg.Client (drizzle-orm/node-postgres) or a better-sqlite3 Database (drizzle-orm/better-sqlite3) or a mysql2 Pool or Connection (drizzle-orm/mysql2)';

  it('names the clients it expects, and the one it got', () => {
    // Drizzle's mock database runs on no client at all.
    expect(() => trackDrizzle(drizzlePg.mock())).toThrow(
      new TypeError(`${expected}; its db.$client is a plain object`),
    );
    expect(() => trackDrizzle({ $client: new Map() })).toThrow(
      new TypeError(`${expected}; its db.$client is a Map`),
    );
    expect(() => trackDrizzle({})).toThrow(new TypeError(`${expected}; its db.$client is undefined`));
  });
});

describeWithService('Drizzle over node-postgres', 'postgres', postgresUnreachable, () => {
  function trackedDatabase(max: number) {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max });
    defer(() => pool.end());
    const db = drizzlePg(pool);
    expect(trackDrizzle(db)).toBe(db);
    return { db, pool };
  }

  // pg.test.ts shows the queries waiting for a client there; here, that Drizzle's go through the tracker.
  it('gives each of 100 concurrent requests exactly its own queries, through a pool of 10 clients', async () => {
    const { db } = trackedDatabase(10);
    const recorded = await concurrentAttribution(async (count, delayMs) => {
      for (let i = 0; i < count; i++) await db.execute(sql`select pg_sleep(${delayMs / 1000})`);
    });
    expect(misattributed(recorded)).toEqual([]);
    for (const { count, metrics } of recorded)
      expect(metrics.repeatedQuery).toBe(count > 1 ? 'select pg_sleep(?)' : undefined);
  });

  it('counts each statement Drizzle sends, a transaction’s included, and a failing one', async () => {
    const { db, pool } = trackedDatabase(2);
    const prefix = uniquePrefix();
    defer(() => dropTables(POSTGRES_URL, prefix));
    const users = pgTable(`${prefix}users`, { id: serial('id').primaryKey(), name: text('name').notNull() });
    await pool.query(`create table ${prefix}users (id serial primary key, name text not null)`);
    const byId = (id: number) => db.select().from(users).where(eq(users.id, id));
    const { value, metrics } = await requests().run(async () => {
      await db.insert(users).values([{ name: 'a' }, { name: 'b' }]); // 1
      for (const id of [1, 2]) await byId(id); // 2
      await db.transaction(async (tx) => {
        await tx.update(users).set({ name: 'c' }).where(eq(users.id, 1));
      }); // begin, update, commit: 3
      const failure = await db.execute(sql`select * from rpt_no_such_table`).catch((error: Error) => error); // 1
      const names = await db.select({ name: users.name }).from(users).orderBy(users.id); // 1
      return { names, cause: (failure as Error).cause };
    });
    expect(value.names).toEqual([{ name: 'c' }, { name: 'b' }]);
    expect(value.cause).toBeInstanceOf(pg.DatabaseError);
    expect(metrics).toMatchObject({
      queryCount: 8,
      queryRepeat: 2,
      repeatedQuery: sqlShape(byId(1).toSQL().sql),
    });
  });
});

const mysqlUrl = new URL(MYSQL_URL);
const mysqlUnreachable = await unreachable(mysqlUrl.hostname, Number(mysqlUrl.port || 3306));

describeWithService('Drizzle over mysql2', 'MariaDB', mysqlUnreachable, () => {
  it('gives each of 100 concurrent requests exactly its own queries, through a pool of 5 connections', async () => {
    const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 5 });
    defer(() => pool.promise().end());
    const db = drizzleMysql(pool);
    expect(trackDrizzle(db)).toBe(db);
    const recorded = await concurrentAttribution(async (count, delayMs) => {
      for (let i = 0; i < count; i++) await db.execute(sql`select sleep(${delayMs / 1000})`);
    });
    expect(misattributed(recorded)).toEqual([]);
    for (const { count, metrics } of recorded)
      expect(metrics.repeatedQuery).toBe(count > 1 ? 'select sleep(?)' : undefined);
  });
});

describe('Drizzle over better-sqlite3', () => {
  const items = sqliteTable('items', {
    id: integer('id').primaryKey(),
    name: sqliteText('name').notNull(),
  });

  function trackedDatabase() {
    const client = withWaitFunction(new Database(':memory:'));
    defer(() => {
      client.close();
    });
    client.exec('create table items (id integer primary key, name text not null)');
    const db = drizzleSqlite(client);
    expect(trackDrizzle(db)).toBe(db);
    return db;
  }

  it('gives each of 100 concurrent requests exactly its own queries, requests taking turns between them', async () => {
    const db = trackedDatabase();
    const recorded = await concurrentAttribution(async (count, delayMs) => {
      for (let i = 0; i < count; i++) {
        await otherRequestsRun();
        db.get(sql`select wait_ms(${delayMs}) as waited`);
      }
    });
    expect(misattributed(recorded)).toEqual([]);
    for (const { count, metrics } of recorded)
      expect(metrics.repeatedQuery).toBe(count > 1 ? 'select wait_ms(?) as waited' : undefined);
  });

  it('counts each statement Drizzle runs, a transaction’s included', async () => {
    const db = trackedDatabase();
    const byId = (id: number) => db.select().from(items).where(eq(items.id, id));
    const { value, metrics } = await requests().run(() => {
      db.insert(items)
        .values([{ name: 'a' }, { name: 'b' }])
        .run(); // 1
      for (const id of [1, 2]) byId(id).get(); // 2
      db.transaction((tx) => {
        tx.update(items).set({ name: 'c' }).where(eq(items.id, 1)).run();
      }); // BEGIN DEFERRED, update, COMMIT: 3
      return db.select({ name: items.name }).from(items).orderBy(items.id).all(); // 1
    });
    expect(value).toEqual([{ name: 'c' }, { name: 'b' }]);
    expect(metrics).toMatchObject({
      queryCount: 7,
      queryRepeat: 2,
      repeatedQuery: sqlShape(byId(1).toSQL().sql),
    });
  });

  it('hands its options to the driver’s tracker', async () => {
    const db = trackedDatabase();
    trackDrizzle(db, { recordShapes: false });
    const { metrics } = await requests()
      .run(() => {
        for (const id of [1, 2, 3]) db.select().from(items).where(eq(items.id, id)).all();
      })
      .finally(() => trackDrizzle(db));
    expect(metrics.queryCount).toBe(3);
    expect(metrics.queryRepeat).toBeUndefined();
  });
});
