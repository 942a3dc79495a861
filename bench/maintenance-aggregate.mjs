// The yardstick of `routeperf rebuild` in `bench/maintenance.ts`: the plainest way to recompute
// aggregates from access records, two INSERT … SELECT … GROUP BY statements with the driver (each route's
// hours: count, sums, minimum and maximum of the request time, queries and memory; and its hours' status
// counts), run in a process of its own like the rebuild, so that their time and peak memory compare.
// Prints the access records it read.
//
//   node bench/maintenance-aggregate.mjs <database url> <table prefix>
const [url, prefix] = process.argv.slice(2);
const records = `"${prefix}access_records"`;
const hours = `"${prefix}plain_hours"`;
const statuses = `"${prefix}plain_statuses"`;
const statements = [
  `create table ${hours} (route_id bigint, hour bigint, count bigint, time_sum double precision,
    time_min double precision, time_max double precision, query_count_sum bigint, query_count_max integer,
    query_time_sum double precision, memory_sum double precision, memory_max double precision)`,
  `create table ${statuses} (route_id bigint, hour bigint, status_code integer, count bigint)`,
  `insert into ${hours} select route_id, created_at / 3600000, count(*), sum(request_time), min(request_time),
    max(request_time), sum(query_count), max(query_count), sum(query_time), sum(memory), max(memory)
    from ${records} group by route_id, created_at / 3600000`,
  `insert into ${statuses} select route_id, created_at / 3600000, status_code, count(*)
    from ${records} group by route_id, created_at / 3600000, status_code`,
  `select sum(count) as n from ${hours}`,
];
let read;
if (url.startsWith('sqlite:')) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(url.slice('sqlite:'.length));
  // As routeperf's own SQLite connections are set.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const statement of statements.slice(0, -1)) db.prepare(statement).run();
  read = db.prepare(statements.at(-1)).get().n;
  db.close();
} else {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const statement of statements.slice(0, -1)) await client.query(statement);
  read = (await client.query(statements.at(-1))).rows[0].n;
  await client.end();
}
console.log(Number(read));
