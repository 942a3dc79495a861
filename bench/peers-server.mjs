// The app of `bench/peers.ts`, one framework, workload and variant per process:
//
//   node [--import ./bench/peers-otel.mjs] bench/peers-server.mjs <fastify|express> <hello|query> <variant>
//     [sqlite-file] [transport-dsn]
//
// One route, GET /users/:id: `hello` returns a small JSON object; `query` runs one PostgreSQL query
// (`select $1::int as id`) through a pg.Pool of 10 connections to ROUTEPERF_BENCH_POSTGRES.
//
// Variants: bare; routeperf `disabled` (enabled: false), `sync` (into the SQLite file), `async-memory`
// (memory:// drained by a worker in this process into the SQLite file), `async-redis` (sends to the
// redis:// transport-dsn; a worker in another process stores); the peers `fastify-metrics`,
// `express-prom-bundle`, `swagger-stats` (each scraped by the bench afterwards), and `otel-traces`,
// `otel-metrics`, for which the bench loads bench/peers-otel.mjs with --import, before any framework.
// With the query workload every routeperf variant tracks the pool's queries (routeperf/pg).
//
// Plain JavaScript run by plain `node`, importing routeperf from the built `dist/`, so the process under
// load is what a user's app runs. Frameworks, pg and the peers are loaded with require(): OpenTelemetry's
// instrumentations patch modules as they are required, and every variant loads them the same way.
// It prints `{"url": …}` when it listens; on SIGUSR2 `{"marked": …}`, then `{"measured": {"cpuMicros": …,
// "requests": …}}` the second time (see below); and after SIGTERM `{"final": {"served": …, "started": …,
// "stats": …}}`: the requests the route answered in full and those it started, and routeperf's counters
// (null without routeperf), once every recorder has flushed.
import { once } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [framework, workload, variant, sqliteFile, transport] = process.argv.slice(2);
const ROUTEPERF = ['disabled', 'sync', 'async-memory', 'async-redis'];
const PEERS = { fastify: ['fastify-metrics'], express: ['express-prom-bundle', 'swagger-stats'] };
const OTEL = ['otel-traces', 'otel-metrics'];
const usage =
  'usage: node bench/peers-server.mjs <fastify|express> <hello|query> <variant> [sqlite-file] [transport-dsn]';
const known = ['bare', ...ROUTEPERF, ...(PEERS[framework] ?? []), ...OTEL];
if (!PEERS[framework] || !['hello', 'query'].includes(workload) || !known.includes(variant)) {
  console.error(usage);
  process.exit(2);
}
if (['sync', 'async-memory', 'async-redis'].includes(variant) && !sqliteFile) {
  console.error(`the ${variant} variant needs the path of a SQLite file\n${usage}`);
  process.exit(2);
}
if (variant === 'async-redis' && !transport?.startsWith('redis://')) {
  console.error(`the async-redis variant needs a redis:// transport DSN\n${usage}`);
  process.exit(2);
}
const POSTGRES_URL = process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The routeperf options of a variant; undefined when the app does not use routeperf. */
function routeperfOptions() {
  if (!ROUTEPERF.includes(variant)) return undefined;
  if (variant === 'disabled') return { enabled: false };
  const sync = { database: `sqlite:${sqliteFile}`, environment: 'production', trackQueries: true };
  if (variant === 'sync') return sync;
  return { ...sync, async: true, transport: variant === 'async-memory' ? 'memory://' : transport };
}

/** What the route does, and how to close what it uses. */
async function openWork() {
  if (workload === 'hello') return { user: async (id) => ({ id, name: 'Ada' }), close: async () => {} };
  const pg = require('pg');
  // As an app would: the tracker is attached at start-up, whether routeperf is enabled or not.
  if (ROUTEPERF.includes(variant)) (await import('../dist/trackers/pg/index.js')).trackPg(pg);
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 });
  return {
    user: async (id) => (await pool.query('select $1::int as id', [id])).rows[0],
    close: () => pool.end(),
  };
}

async function startFastify(options, work, count) {
  const app = require('fastify')({ logger: false });
  if (options) await app.register((await import('../dist/adapters/fastify.js')).default, options);
  if (variant === 'fastify-metrics')
    await app.register(require('fastify-metrics').default, { endpoint: '/metrics' });
  app.get('/users/:id', async (request, reply) => {
    count(reply.raw);
    return work.user(Number(request.params.id));
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    stats: () => (options ? { ...app.routeperf.stats(), mode: app.routeperf.mode } : null),
    close: () => app.close(),
  };
}

async function startExpress(options, work, count) {
  const app = require('express')();
  let middleware;
  if (options) {
    middleware = (await import('../dist/adapters/express.js')).routeperf(options);
    app.use(middleware);
  }
  if (variant === 'express-prom-bundle')
    app.use(require('express-prom-bundle')({ includeMethod: true, includePath: true }));
  if (variant === 'swagger-stats') app.use(require('swagger-stats').getMiddleware({}));
  app.get('/users/:id', async (req, res) => {
    count(res);
    res.json(await work.user(Number(req.params.id)));
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const routeperf = await middleware?.ready;
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats: () => (routeperf ? { ...routeperf.stats(), mode: routeperf.mode } : null),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await middleware?.close();
      if (variant === 'swagger-stats') require('swagger-stats').stop();
    },
  };
}

function report(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// Requests the route started, and those whose response was sent in full. autocannon closes its
// connections when its time is up, so a few requests (at most one per connection) may have started and
// never finished: tools differ on whether to record those, so the bench accepts either.
let started = 0;
let served = 0;
const finished = () => {
  served++;
};
const work = await openWork();
const start = framework === 'fastify' ? startFastify : startExpress;
const app = await start(routeperfOptions(), work, (response) => {
  started++;
  response.on('finish', finished);
});
report({ url: app.url });

// The bench sends SIGUSR2 once warmed up, and again when its measured run has ended: the CPU time between
// the two, over the requests answered between them, is the steady cost per request, without start-up,
// JIT compilation or a store's first migration.
let mark;
process.on('SIGUSR2', () => {
  if (!mark) {
    mark = { cpu: process.cpuUsage(), served };
    report({ marked: served });
    return;
  }
  const { user, system } = process.cpuUsage(mark.cpu);
  report({ measured: { cpuMicros: user + system, requests: served - mark.served } });
});

// `on`, not `once`: routeperf's async mode raises SIGTERM again after its own flush when no handler is
// left by then, and a `once` handler is gone while it still awaits close().
process.on('SIGTERM', async () => {
  // close() first: it waits for writes in flight, so the counters then cover every request served.
  await app.close();
  await work.close();
  if (OTEL.includes(variant)) await (await import('./peers-otel.mjs')).shutdown();
  report({ final: { served, started, stats: app.stats() } });
  process.exit(0);
});
