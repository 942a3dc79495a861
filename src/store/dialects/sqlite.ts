import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SqliteDialect } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';
import { onConflictDoNothing, onConflictUpsert } from './on-conflict.js';

/** `sqlite:<path>` (relative to the working directory) or `sqlite::memory:`; the folder is created. */
export function sqlitePath(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/, '');
  if (rest === ':memory:') return rest;
  const path = resolve(rest);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  maxParameters: 32_000,
  autoIncrementType: 'integer',
  async createDialect(url) {
    const { default: Database } = await importDriver<{ default: typeof import('better-sqlite3') }>(
      'better-sqlite3',
      'A sqlite: database',
    );
    const database = new Database(sqlitePath(url));
    // WAL lets the CLI read while the app writes; NORMAL skips an fsync per commit, still crash-safe in WAL.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    return new SqliteDialect({ database });
  },
  autoIncrement: (column) => column.primaryKey().autoIncrement(),
  upsert: (insert, table, key, merge) =>
    onConflictUpsert(insert, table, key, merge, { min: 'min', max: 'max' }),
  insertIgnoringDuplicates: onConflictDoNothing,
  isTransient: (error) => /SQLITE_BUSY|SQLITE_LOCKED/.test(String((error as { code?: string })?.code)),
};
