import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DATABASES } from './databases.js';

/** A fresh SQLite database file for one test. */
export function sqliteUrl(): string {
  return DATABASES.find((database) => database.name === 'sqlite')!.url();
}

function pathOf(url: string): string {
  if (!url.startsWith('sqlite:')) throw new Error(`not a SQLite database URL: ${url}`);
  return url.slice('sqlite:'.length);
}

/** Rows of a query run on the SQLite database at `url`, through a connection of the test's own. */
export function sqliteRows<T>(url: string, query: string, ...params: unknown[]): T[] {
  const db = new Database(pathOf(url), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Names of the tables in the SQLite database at `url`; none when the file was never created. */
export function sqliteTables(url: string): string[] {
  if (!existsSync(pathOf(url))) return [];
  return sqliteRows<{ name: string }>(url, "select name from sqlite_master where type = 'table'").map(
    (row) => row.name,
  );
}
