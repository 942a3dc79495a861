// Hello-world app for `bench/overhead.ts`, one framework and one variant per process:
//
//   node bench/server.mjs <fastify|express> <variant> [sqlite-file] [transport-dsn]
//
// Variants: bare (no routeperf), disabled (enabled: false), sync (synchronous recording into the SQLite
// file), async-memory (async: true, memory:// transport drained by a worker in this process into the
// SQLite file), async-redis (async: true, the app only sends to the redis:// transport given as
// transport-dsn; no worker).
//
// Plain JavaScript run by plain `node`, importing routeperf from the built `dist/`, so the process under
// load is what a user's app runs — no TypeScript loader in it. It prints one JSON line when it listens
// (`{"url": …}`) and, after SIGTERM, one with routeperf's counters and recording mode, and the CPU time
// the process used since it listened (`{"stats": …, "cpuMicros": …}`), before exiting.
import { once } from 'node:events';

const [framework, variant, sqliteFile, transport] = process.argv.slice(2);
const variants = ['bare', 'disabled', 'sync', 'async-memory', 'async-redis'];
const usage = `usage: node bench/server.mjs <fastify|express> <${variants.join('|')}> [sqlite-file] [transport-dsn]`;
if (!['fastify', 'express'].includes(framework) || !variants.includes(variant)) {
  console.error(usage);
  process.exit(2);
}
if (!['bare', 'disabled'].includes(variant) && !sqliteFile) {
  console.error(`the ${variant} variant needs the path of a SQLite file\n${usage}`);
  process.exit(2);
}
if (variant === 'async-redis' && !transport?.startsWith('redis://')) {
  console.error(`the async-redis variant needs a redis:// transport DSN\n${usage}`);
  process.exit(2);
}

/** The routeperf options of a variant; undefined means the app does not use routeperf at all. */
function routeperfOptions() {
  if (variant === 'bare') return undefined;
  if (variant === 'disabled') return { enabled: false };
  const sync = {
    database: `sqlite:${sqliteFile}`,
    environment: 'production',
    // bench/overhead.ts --no-track-queries
    trackQueries: process.env.ROUTEPERF_BENCH_TRACK_QUERIES !== 'false',
  };
  if (variant === 'sync') return sync;
  return { ...sync, async: true, transport: variant === 'async-memory' ? 'memory://' : transport };
}

function report(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function startFastify(options) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (options) {
    const { default: routeperf } = await import('../dist/adapters/fastify.js');
    await app.register(routeperf, options);
  }
  app.get('/', async () => ({ hello: 'world' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    stats: () => (options ? { ...app.routeperf.stats(), mode: app.routeperf.mode } : undefined),
    close: () => app.close(),
  };
}

async function startExpress(options) {
  const { default: express } = await import('express');
  const app = express();
  let middleware;
  if (options) {
    const { routeperf } = await import('../dist/adapters/express.js');
    middleware = routeperf(options);
    await middleware.ready;
    app.use(middleware);
  }
  app.get('/', (_req, res) => {
    res.json({ hello: 'world' });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  let routeperfInstance;
  if (middleware) routeperfInstance = await middleware.ready;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => routeperfInstance && { ...routeperfInstance.stats(), mode: routeperfInstance.mode },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await middleware?.close();
    },
  };
}

const app = await (framework === 'fastify' ? startFastify : startExpress)(routeperfOptions());
const cpuAtListen = process.cpuUsage();
report({ url: app.url });

// `on`, not `once`: routeperf's async mode raises SIGTERM again after its own flush when no handler is
// left by then, and a `once` handler is gone while it still awaits close() (see the benchmark report).
process.on('SIGTERM', async () => {
  // close() first: it waits for writes in flight, so the counters then cover every request served.
  const cpu = process.cpuUsage(cpuAtListen);
  await app.close();
  report({ stats: app.stats() ?? null, cpuMicros: cpu.user + cpu.system });
  process.exit(0);
});
