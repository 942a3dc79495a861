import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { unreachable } from './reachability.js';

export { unreachable };

/** In CI an unreachable service fails the suite; elsewhere its tests are skipped with the reason shown. */
export const CI = process.env.CI === 'true';

export const POSTGRES_URL = process.env.ROUTEPERF_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.ROUTEPERF_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test';

export type DatabaseName = 'sqlite' | 'postgres' | 'mysql';

export interface TestDatabase {
  name: DatabaseName;
  /** A database URL for one test: SQLite gets a fresh file. */
  url(): string;
}

const scratch = mkdtempSync(join(tmpdir(), 'routeperf-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

export const DATABASES: TestDatabase[] = [
  { name: 'sqlite', url: () => `sqlite:${join(scratch, `${randomBytes(6).toString('hex')}.sqlite`)}` },
  { name: 'postgres', url: () => POSTGRES_URL },
  { name: 'mysql', url: () => MYSQL_URL },
];

/** A table prefix no other test uses, so tests share the services without touching each other's data. */
export function uniquePrefix(): string {
  return `rpt_${randomBytes(5).toString('hex')}_`;
}

function portOf(url: string) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

const reasons: Record<DatabaseName, string | undefined> = {
  sqlite: undefined,
  postgres: await unreachable(portOf(POSTGRES_URL).host, portOf(POSTGRES_URL).port),
  mysql: await unreachable(portOf(MYSQL_URL).host, portOf(MYSQL_URL).port),
};

/**
 * Declares `fn`'s tests when `service` is reachable (`reason` undefined). Otherwise they are skipped with
 * the reason in their name, or, in CI, replaced by one test that fails with it.
 */
export function describeWithService(
  name: string,
  service: string,
  reason: string | undefined,
  fn: () => void,
) {
  if (!reason) describe(name, fn);
  else if (CI)
    describe(name, () =>
      it(`${service} is reachable`, () => {
        throw new Error(`${service} is required in CI: ${reason}`);
      }),
    );
  else describe.skip(`${name} (skipped: ${reason})`, fn);
}

/** Declares `fn`'s tests once per database; unreachable servers skip (or fail in CI) visibly. */
export function describeEachDatabase(
  fn: (database: TestDatabase) => void,
  names: DatabaseName[] = ['sqlite', 'postgres', 'mysql'],
) {
  for (const database of DATABASES.filter((db) => names.includes(db.name))) {
    describeWithService(database.name, database.name, reasons[database.name], () => fn(database));
  }
}

/** Drops every table whose name starts with `prefix` (what one test created). */
export async function dropTables(url: string, prefix: string): Promise<void> {
  if (url.startsWith('sqlite:')) return; // the file goes with the scratch folder
  if (url.startsWith('postgres')) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = current_schema() and tablename like $1 || '%'",
        [prefix],
      );
      for (const { tablename } of rows) await client.query(`drop table if exists "${tablename}"`);
    } finally {
      await client.end();
    }
    return;
  }
  const mysql = await import('mysql2/promise');
  // `returning` is routeperf's own option of a mysql: URL, unknown to mysql2.
  const server = new URL(url);
  server.searchParams.delete('returning');
  const connection = await mysql.createConnection({ uri: server.href });
  try {
    const [rows] = await connection.query(
      'select table_name as name from information_schema.tables where table_schema = database() and table_name like ?',
      [`${prefix.replace(/_/g, '\\_')}%`],
    );
    for (const { name } of rows as { name: string }[])
      await connection.query(`drop table if exists \`${name}\``);
  } finally {
    await connection.end();
  }
}
