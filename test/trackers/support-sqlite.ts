import type BetterSqlite3 from 'better-sqlite3';

/**
 * Gives `db` the SQL function `wait_ms(ms)`, which holds the thread `ms` ms inside a query, as a slow
 * query does with a synchronous driver. Returns `db`.
 */
export function withWaitFunction(db: BetterSqlite3.Database): BetterSqlite3.Database {
  db.function('wait_ms', (ms) => {
    const until = performance.now() + Number(ms);
    while (performance.now() < until) {
      // Busy: nothing else runs meanwhile, as with a real query.
    }
    return ms;
  });
  return db;
}
