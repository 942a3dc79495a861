import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MYSQL_URL, POSTGRES_URL, type TestDatabase } from './databases.js';

/**
 * A database a test creates for itself on the shared server, so that it can end the connections to it,
 * or change its settings, without touching anyone else's. `drop()` ends them all and removes it.
 */
export interface OwnDatabase {
  /** The database URL routeperf gets. */
  readonly url: string;
  readonly name: string;
  /** Connections open to it now, other than the test's own admin connection. */
  connections(): Promise<number>;
  /**
   * Ends every connection to it, as a server restart or a network reset would: `pg_terminate_backend`
   * on PostgreSQL, `KILL CONNECTION` on MariaDB. Resolves to how many it ended.
   */
  endConnections(): Promise<number>;
  /** Runs a statement through the admin connection (not inside the database on PostgreSQL). */
  admin(statement: string, params?: unknown[]): Promise<unknown[]>;
  drop(): Promise<void>;
}

/**
 * On PostgreSQL, `ownRole` also creates a role of the same name that owns the database and that
 * routeperf connects as, so that the test can limit its connections.
 */
export async function createOwnDatabase(
  kind: 'postgres' | 'mysql',
  options: { ownRole?: boolean } = {},
): Promise<OwnDatabase> {
  const name = `rpt_${randomBytes(5).toString('hex')}`;
  return kind === 'postgres' ? ownPostgres(name, options.ownRole ?? false) : ownMysql(name);
}

function withDatabase(url: string, name: string, user?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  if (user) parsed.username = user;
  return parsed.href;
}

async function ownPostgres(name: string, ownRole: boolean): Promise<OwnDatabase> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  if (ownRole) await admin.query(`create role ${name} login`);
  await admin.query(`create database ${name}${ownRole ? ` owner ${name}` : ''}`);
  const query = async (statement: string, params?: unknown[]) => (await admin.query(statement, params)).rows;
  const others = `from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`;
  return {
    url: withDatabase(POSTGRES_URL, name, ownRole ? name : undefined),
    name,
    connections: async () =>
      Number(((await query(`select count(*) as n ${others}`, [name]))[0] as { n: string }).n),
    endConnections: async () =>
      Number(
        (
          (
            await query(`select count(*) filter (where pg_terminate_backend(pid)) as n ${others}`, [name])
          )[0] as {
            n: string;
          }
        ).n,
      ),
    admin: query,
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      if (ownRole) await admin.query(`drop role if exists ${name}`);
      await admin.end();
    },
  };
}

async function ownMysql(name: string): Promise<OwnDatabase> {
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`create database ${name}`);
  const query = async (statement: string, params?: unknown[]) =>
    (await admin.query(statement, params))[0] as unknown[];
  const ids = async () =>
    (
      (await query('select id from information_schema.processlist where db = ? and id <> connection_id()', [
        name,
      ])) as { id: number }[]
    ).map((row) => row.id);
  return {
    url: withDatabase(MYSQL_URL, name),
    name,
    connections: async () => (await ids()).length,
    async endConnections() {
      let ended = 0;
      for (const id of await ids()) {
        // A connection may have closed since it was listed.
        await admin.query(`kill connection ${id}`).then(
          () => ended++,
          () => {},
        );
      }
      return ended;
    },
    admin: query,
    async drop() {
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    },
  };
}

/**
 * A database of the test's own wherever `database` lives: a fresh file for SQLite, a new database on the
 * server otherwise, so that its schema is not shared with tests creating and dropping tables meanwhile.
 */
export async function ownDatabaseFor(
  database: TestDatabase,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (database.name === 'sqlite') return { url: database.url(), drop: async () => {} };
  const own = await createOwnDatabase(database.name);
  return { url: own.url, drop: () => own.drop() };
}
