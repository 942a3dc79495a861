import { replaceMethod } from '../replace-method.js';
import type { TrackerOptions } from '../tracker.js';
import { trackedExec, trackedIterate, trackedStatementCall } from './statement.js';
import { betterSqlite3PrototypesOf } from './targets.js';

export type { TrackerOptions } from '../tracker.js';

/**
 * Counts and times every query better-sqlite3 runs in a request: a prepared statement's `run()`, `get()`,
 * `all()` and `iterate()` (timed until the iteration ends), and `db.exec()`. The statements of
 * `db.transaction(fn)` count each, with its BEGIN and COMMIT (or ROLLBACK); so does `db.pragma()`.
 * Preparing a statement is not a query.
 *
 * Call it once at start-up: `trackBetterSqlite3(Database)` with the module's Database class
 * (`import Database from 'better-sqlite3'`), or with a database, returned as it is
 * (`const db = trackBetterSqlite3(new Database('app.db'))`). Either way it tracks every database and
 * statement of that module, those opened or prepared before the call included, since it replaces
 * methods of their classes.
 *
 * Calling it again changes nothing but the options, which apply to every database it tracks. Queries
 * outside a request, or inside routeperf's own writes, count nothing.
 *
 * @throws TypeError when `target` is neither the better-sqlite3 module nor a Database.
 */
export function trackBetterSqlite3<T extends object>(target: T, options?: TrackerOptions): T {
  const prototypes = betterSqlite3PrototypesOf(target);
  if (!prototypes)
    throw new TypeError(
      "trackBetterSqlite3 expects the better-sqlite3 module (import Database from 'better-sqlite3') or a Database, and got something else",
    );
  for (const name of ['run', 'get', 'all'])
    replaceMethod(prototypes.statement, name, options, trackedStatementCall);
  replaceMethod(prototypes.statement, 'iterate', options, trackedIterate);
  replaceMethod(prototypes.database, 'exec', options, trackedExec);
  return target;
}
