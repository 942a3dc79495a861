import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '../support/databases.js';

/**
 * A database of the test's own on the server of `database` (a fresh file for SQLite), so that its schema
 * is not shared with tests that create and drop tables at the same time. Returns its URL and a drop().
 */
export async function ownDatabase(database: TestDatabase): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = database.url();
  if (database.name === 'sqlite') return { url: serverUrl, drop: async () => {} };
  const name = `rpt_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const kind = database.name;
  await runOnServer(kind, serverUrl, `create database ${name}`);
  return {
    url: url.href,
    drop: () =>
      runOnServer(
        kind,
        serverUrl,
        `drop database if exists ${name}${kind === 'postgres' ? ' with (force)' : ''}`,
      ),
  };
}

/** Runs one statement through a pool of one connection, closed afterwards. */
async function runOnServer(kind: 'postgres' | 'mysql', url: string, statement: string): Promise<void> {
  const pool: { query(statement: string): Promise<unknown>; end(): Promise<void> } =
    kind === 'postgres'
      ? new (await import('pg')).default.Pool({ connectionString: url, max: 1 })
      : (await import('mysql2/promise')).createPool({ uri: url, connectionLimit: 1 });
  try {
    await pool.query(statement);
  } finally {
    await pool.end();
  }
}
