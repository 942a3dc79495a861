import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { RedisUnreachableError } from '../../src/bus/transports/redis/index.js';
import { type ErrorCause, RouteperfError } from '../../src/errors.js';
import { errorCause } from '../../src/store/errors.js';
import { describeEachDatabase, MYSQL_URL, POSTGRES_URL } from '../support/databases.js';
import { closedPort } from '../support/reachability.js';
import { sqliteUrl } from '../support/sqlite.js';

/** The error `produce` fails with; a case that does not fail is a broken case. */
async function failureOf(produce: () => unknown): Promise<unknown> {
  try {
    await produce();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const unique = () => `rpt_${randomBytes(5).toString('hex')}`;

/** Runs `work` with connected clients, ending them afterwards whatever happens. */
async function withPg<T>(count: number, work: (...clients: pg.Client[]) => Promise<T>, url = POSTGRES_URL) {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url }));
  for (const client of clients) {
    client.on('error', () => {});
    await client.connect();
  }
  try {
    return await work(...clients);
  } finally {
    for (const client of clients) await client.end().catch(() => {});
  }
}

async function withMysql<T>(count: number, work: (...connections: mysql.Connection[]) => Promise<T>) {
  const connections: mysql.Connection[] = [];
  for (let i = 0; i < count; i++) {
    const connection = await mysql.createConnection({ uri: MYSQL_URL });
    connection.on('error', () => {});
    connections.push(connection);
  }
  try {
    return await work(...connections);
  } finally {
    for (const connection of connections) await connection.end().catch(() => {});
  }
}

type Case = [name: string, cause: ErrorCause, produce: () => Promise<unknown>];

describeEachDatabase(() => {
  const cases: Case[] = [
    [
      '25006 read-only transaction',
      'readOnly',
      () => withPg(1, (c) => failureOf(() => c.query(`begin read only; create table ${unique()} (a int)`))),
    ],
    [
      '53300 too many connections for a role',
      'overloaded',
      () =>
        withPg(1, async (admin) => {
          const role = unique();
          await admin.query(`create role ${role} login connection limit 0`);
          try {
            const url = new URL(POSTGRES_URL);
            url.username = role;
            return await failureOf(() => withPg(1, async () => {}, url.href));
          } finally {
            await admin.query(`drop role ${role}`);
          }
        }),
    ],
    [
      '3D000 no such database',
      'unreachable',
      () => {
        const url = new URL(POSTGRES_URL);
        url.pathname = `/${unique()}`;
        return failureOf(() => withPg(1, async () => {}, url.href));
      },
    ],
    [
      '57P01 terminated by an administrator, and the next query on that client',
      'unreachable',
      () =>
        withPg(2, async (admin, victim) => {
          const errors: unknown[] = [];
          victim.on('error', (error) => errors.push(error));
          const { rows } = await victim.query('select pg_backend_pid() as pid');
          await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
          const next = await failureOf(async () => {
            // The termination reaches the victim asynchronously; until then its queries still succeed.
            for (;;) await victim.query('select 1');
          });
          expect(errors.map(errorCause)).toEqual(errors.map(() => 'unreachable'));
          return next;
        }),
    ],
    [
      '57014 statement timeout',
      'overloaded',
      () => withPg(1, (c) => failureOf(() => c.query('set statement_timeout = 10; select pg_sleep(5)'))),
    ],
    [
      '55P03 lock not available',
      'overloaded',
      () =>
        withPg(2, async (holder, waiter) => {
          const table = unique();
          await holder.query(`create table ${table} (a int)`);
          try {
            await holder.query(`begin; lock table ${table}`);
            return await failureOf(() => waiter.query(`set lock_timeout = 10; begin; lock table ${table}`));
          } finally {
            await holder.query('rollback');
            await holder.query(`drop table ${table}`);
          }
        }),
    ],
    [
      '22001 a value too long',
      'badMessage',
      () =>
        withPg(1, (c) =>
          failureOf(() => c.query("create temp table t (a varchar(1)); insert into t values ('ab')")),
        ),
    ],
    [
      '22P02 invalid input',
      'badMessage',
      () => withPg(1, (c) => failureOf(() => c.query("select 'x'::int"))),
    ],
    ['42601 a syntax error', 'badMessage', () => withPg(1, (c) => failureOf(() => c.query('selec 1')))],
    [
      'ECONNREFUSED',
      'unreachable',
      async () => {
        const url = new URL(POSTGRES_URL);
        url.port = String(await closedPort());
        return failureOf(() => withPg(1, async () => {}, url.href));
      },
    ],
    [
      'a connect timeout: a server that accepts and never answers',
      'unreachable',
      async () => {
        const silent = createServer(() => {});
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        const { port } = silent.address() as AddressInfo;
        const client = new pg.Client({ host: '127.0.0.1', port, connectionTimeoutMillis: 100 });
        try {
          return await failureOf(() => client.connect());
        } finally {
          silent.close();
        }
      },
    ],
  ];
  it.each(cases)('%s: %s', async (_, cause, produce) => {
    expect(errorCause(await produce())).toBe(cause);
  });
}, ['postgres']);

describeEachDatabase(() => {
  const withTable = <T>(work: (table: string, ...connections: mysql.Connection[]) => Promise<T>) =>
    withMysql(2, async (a, b) => {
      const table = unique();
      await a!.query(`create table ${table} (id int primary key, v varchar(1)) engine = InnoDB`);
      await a!.query(`insert into ${table} values (1, 'a')`);
      try {
        return await work(table, a!, b!);
      } finally {
        await a!.query('rollback');
        await a!.query(`drop table ${table}`);
      }
    });
  const cases: Case[] = [
    [
      '1792 read-only transaction',
      'readOnly',
      () =>
        withTable(async (table, a) => {
          await a!.query('start transaction read only');
          return failureOf(() => a!.query(`insert into ${table} values (2, 'b')`));
        }),
    ],
    [
      '1226 a user over max_user_connections',
      'overloaded',
      () =>
        withMysql(1, async (admin) => {
          const user = unique();
          await admin!.query(`create user ${user}@'%' with max_user_connections 1`);
          try {
            const url = new URL(MYSQL_URL);
            url.username = user;
            url.pathname = '/';
            const first = await mysql.createConnection({ uri: url.href });
            try {
              return await failureOf(() => mysql.createConnection({ uri: url.href }));
            } finally {
              await first.end();
            }
          } finally {
            await admin!.query(`drop user ${user}@'%'`);
          }
        }),
    ],
    [
      '1049 no such database',
      'unreachable',
      () => {
        const url = new URL(MYSQL_URL);
        url.pathname = `/${unique()}`;
        return failureOf(() => mysql.createConnection({ uri: url.href }));
      },
    ],
    [
      'KILL CONNECTION, then a query on that connection',
      'unreachable',
      () =>
        withMysql(2, async (admin, victim) => {
          await admin!.query(`kill connection ${victim!.threadId}`);
          return failureOf(async () => {
            for (;;) await victim!.query('select 1');
          });
        }),
    ],
    [
      '1205 lock wait timeout',
      'overloaded',
      () =>
        withTable(async (table, holder, waiter) => {
          await holder!.query('begin');
          await holder!.query(`select * from ${table} where id = 1 for update`);
          await waiter!.query('set innodb_lock_wait_timeout = 1');
          return failureOf(() => waiter!.query(`update ${table} set v = 'b' where id = 1`));
        }),
    ],
    [
      '1969 statement timeout',
      'overloaded',
      () =>
        withMysql(1, (c) =>
          failureOf(() =>
            c!.query(
              'set statement max_statement_time = 0.05 for select count(*) from information_schema.columns a, information_schema.columns b, information_schema.columns c',
            ),
          ),
        ),
    ],
    [
      '1406 a value too long',
      'badMessage',
      () => withTable((table, a) => failureOf(() => a!.query(`insert into ${table} values (2, 'bb')`))),
    ],
    [
      '1062 a duplicate key',
      'badMessage',
      () => withTable((table, a) => failureOf(() => a!.query(`insert into ${table} values (1, 'b')`))),
    ],
    ['1064 a syntax error', 'badMessage', () => withMysql(1, (c) => failureOf(() => c!.query('selec 1')))],
  ];
  it.each(cases)('%s: %s', async (_, cause, produce) => {
    expect(errorCause(await produce())).toBe(cause);
  });
}, ['mysql']);

describe('sqlite', () => {
  const file = () => sqliteUrl().slice('sqlite:'.length);
  const cases: Case[] = [
    [
      'SQLITE_BUSY: another connection holds the write lock',
      'overloaded',
      async () => {
        const path = file();
        const holder = new Database(path);
        const waiter = new Database(path, { timeout: 0 });
        holder.exec('create table t (a int); begin immediate');
        try {
          return await failureOf(() => waiter.exec('begin immediate'));
        } finally {
          holder.close();
          waiter.close();
        }
      },
    ],
    [
      'SQLITE_READONLY: a file opened read-only',
      'readOnly',
      async () => {
        const path = file();
        new Database(path).exec('create table t (a int)');
        const reader = new Database(path, { readonly: true });
        try {
          return await failureOf(() => reader.exec('insert into t values (1)'));
        } finally {
          reader.close();
        }
      },
    ],
    [
      'SQLITE_CONSTRAINT: a duplicate key',
      'badMessage',
      async () => {
        const db = new Database(':memory:');
        db.exec('create table t (a int primary key); insert into t values (1)');
        return failureOf(() => db.exec('insert into t values (1)'));
      },
    ],
    [
      'SQLITE_ERROR: a syntax error',
      'badMessage',
      async () => failureOf(() => new Database(':memory:').exec('selec 1')),
    ],
  ];
  it.each(cases)('%s: %s', async (_, cause, produce) => {
    expect(errorCause(await produce())).toBe(cause);
  });
});

describe("routeperf's own errors and wrappers", () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
  });
  it.each<[string, unknown, ErrorCause]>([
    ['STORE_UNREACHABLE', new RouteperfError('ROUTEPERF_STORE_UNREACHABLE', 'down'), 'unreachable'],
    ['STORE_SCHEMA (tables missing)', new RouteperfError('ROUTEPERF_STORE_SCHEMA', 'migrate'), 'unreachable'],
    ['CONFIG_INVALID', new RouteperfError('ROUTEPERF_CONFIG_INVALID', 'bad'), 'config'],
    ['a TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'id')"), 'bug'],
    ['a socket error', refused, 'unreachable'],
    [
      "Kysely's connection given up after a failed rollback",
      new Error('Postgres connection has been discarded'),
      'unreachable',
    ],
    ['an error caused by a socket error', new Error('query failed', { cause: refused }), 'unreachable'],
    ['localhost refusing on ::1 and 127.0.0.1', new AggregateError([refused, refused]), 'unreachable'],
    [
      'Redis out of reach',
      new RedisUnreachableError('Redis cannot be reached', 'ECONNRESET', refused),
      'unreachable',
    ],
  ])('%s', (_, error, cause) => {
    expect(errorCause(error)).toBe(cause);
  });
});
