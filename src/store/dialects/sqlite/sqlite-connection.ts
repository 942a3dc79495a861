import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { DialectConnection } from '../dialect.js';
import { importDriver } from '../shared/import-driver.js';
import { ImmediateSqliteDialect } from './sqlite-immediate-dialect.js';

/** The absolute path of `sqlite:<path>` (relative to the working directory), or `:memory:`. */
export function sqliteFile(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/, '');
  return rest === ':memory:' ? rest : resolve(rest);
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing costs more than running routeperf's small upserts, and the
 * same few statements run on every request. Statements are reused by SQL text (least recently used out);
 * Kysely's driver runs one statement at a time, so a cached statement is never in use twice.
 */
function withStatementCache(database: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) cache.delete(sql);
      else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** A file of the local disk: nothing to listen to, as no connection is ever reset. */
export const sqliteConnection: DialectConnection = {
  async createDialect(url, _onConnectionError, { readOnly = false } = {}) {
    const { default: Database } = await importDriver<{ default: typeof import('better-sqlite3') }>(
      'better-sqlite3',
      'A sqlite: database',
    );
    const path = sqliteFile(url);
    // better-sqlite3 creates a missing file (and the folder is made for it): only where routeperf may write.
    const readOnlyFile = readOnly && path !== ':memory:';
    if (!readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new Database(path, { readonly: readOnlyFile, fileMustExist: readOnlyFile });
    // WAL lets the CLI read while the app writes; NORMAL skips an fsync per commit, still crash-safe in WAL.
    if (!readOnlyFile) database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    // Statements wait for the write lock between timers instead (see ImmediateSqliteDialect).
    database.pragma('busy_timeout = 0');
    return new ImmediateSqliteDialect({ database: withStatementCache(database) });
  },
};
