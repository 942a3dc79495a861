// The tracker's own work, apart from HTTP and PostgreSQL, for `bench/queries.ts`:
//
//   node bench/queries-tracker-work.mjs <scope|tracked>
//
// node-postgres's real Pool runs queries on an in-process client that answers each one on the next turn of
// the event loop, so nearly all the CPU left is the pool's, the request scope's and, in `tracked`, the
// tracker's. 20 requests at a time, each in its own request scope, run 10 queries one after the other;
// `tracked` differs only by trackPg. Prints `{"cpuMicrosPerRequest": …}`: the median of 11 batches of
// 10,000 requests, after one to warm up.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { createScope, runInScope } from '../dist/core/scope.js';
import { trackPg } from '../dist/trackers/pg/index.js';

const variant = process.argv[2];
if (!['scope', 'tracked'].includes(variant)) {
  console.error('usage: node bench/queries-tracker-work.mjs <scope|tracked>');
  process.exit(2);
}
const QUERIES_PER_REQUEST = 10;
const BATCH = 10_000;

/** What pg.Pool needs of a client: it connects, and answers every query on the next turn. */
class InstantClient extends EventEmitter {
  connectionParameters = {};
  connect(callback) {
    setImmediate(callback);
  }
  query(_text, values, callback) {
    setImmediate(callback, null, { rows: [{ id: values[0] }] });
  }
  end(callback) {
    callback?.();
  }
}

const pool = new pg.Pool({ Client: InstantClient, max: 10 });
if (variant === 'tracked') trackPg(pool);
const text = 'select id, user_id, total from orders where id = $1';

const request = (index) =>
  runInScope(createScope(), async () => {
    for (let i = 0; i < QUERIES_PER_REQUEST; i++) await pool.query(text, [index + i]);
  });

async function batch() {
  let next = 0;
  const worker = async () => {
    while (next < BATCH) await request(next++);
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

await batch();
const perRequest = [];
for (let round = 0; round < 11; round++) {
  const before = process.cpuUsage();
  await batch();
  const { user, system } = process.cpuUsage(before);
  perRequest.push((user + system) / BATCH);
}
perRequest.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ cpuMicrosPerRequest: perRequest[5] })}\n`);
await pool.end();
