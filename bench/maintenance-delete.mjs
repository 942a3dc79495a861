// The yardstick of `bench/maintenance.ts`: the plainest way to delete old access records, one DELETE
// statement with the driver, run in a process of its own like `routeperf purge`, so that their time and
// peak memory compare. Prints the rows deleted.
//
//   node bench/maintenance-delete.mjs <database url> <table> <before, ms epoch>
const [url, table, before] = process.argv.slice(2);
if (url.startsWith('sqlite:')) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(url.slice('sqlite:'.length));
  // As routeperf's own SQLite connections are set.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const { changes } = db.prepare(`delete from "${table}" where created_at < ?`).run(Number(before));
  db.close();
  console.log(changes);
} else {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rowCount } = await client.query(`delete from "${table}" where created_at < $1`, [before]);
  await client.end();
  console.log(rowCount);
}
