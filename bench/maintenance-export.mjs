// The yardstick of `routeperf export records` in `bench/maintenance.ts`: the plainest way to stream every
// access record with its route into a CSV file, a driver cursor (SQLite's statement iterator, a PostgreSQL
// cursor read 10,000 rows at a time) whose rows are joined with commas and written as the file takes them,
// run in a process of its own like the export, so that their time and peak memory compare. Prints the rows
// written.
//
//   node bench/maintenance-export.mjs <database url> <table prefix> <output file>
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const [url, prefix, output] = process.argv.slice(2);
const query = `select a.request_id, a.created_at, r.method, r.route, a.status_code, a.request_time,
    a.query_count, a.query_time, a.query_repeat, a.repeated_query, a.memory, a.path, a.referer, a.user_id,
    a.correlation_id
  from "${prefix}access_records" a join "${prefix}routes" r on r.id = a.route_id order by a.id`;
const file = createWriteStream(output);
const cell = (value) => {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
let written = 0;
async function write(rows) {
  let text = '';
  for (const row of rows) text += `${row.map(cell).join(',')}\r\n`;
  written += rows.length;
  if (!file.write(text)) await once(file, 'drain');
}

if (url.startsWith('sqlite:')) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(url.slice('sqlite:'.length), { readonly: true });
  let rows = [];
  for (const row of db.prepare(query).raw().iterate()) {
    rows.push(row);
    if (rows.length === 10_000) {
      await write(rows);
      rows = [];
    }
  }
  await write(rows);
  db.close();
} else {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query(`declare records no scroll cursor for ${query}`);
  for (;;) {
    const { rows } = await client.query({ text: 'fetch 10000 from records', rowMode: 'array' });
    if (rows.length === 0) break;
    await write(rows);
  }
  await client.query('commit');
  await client.end();
}
file.end();
await once(file, 'finish');
console.log(written);
