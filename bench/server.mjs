// Hello-world app for `bench/overhead.ts`, one framework and one variant per process:
//
//   node bench/server.mjs <fastify|express> <bare|disabled|sync> [sqlite-file]
//
// Plain JavaScript run by plain `node`, importing routeperf from the built `dist/`, so the process under
// load is what a user's app runs — no TypeScript loader in it. It prints one JSON line when it listens
// (`{"url": …}`) and, after SIGTERM, one with routeperf's counters (`{"stats": …}`) before exiting.
import { once } from 'node:events';

const [framework, variant, sqliteFile] = process.argv.slice(2);
const variants = ['bare', 'disabled', 'sync'];
if (!['fastify', 'express'].includes(framework) || !variants.includes(variant)) {
  console.error('usage: node bench/server.mjs <fastify|express> <bare|disabled|sync> [sqlite-file]');
  process.exit(2);
}
if (variant === 'sync' && !sqliteFile) {
  console.error('the sync variant needs the path of a SQLite file');
  process.exit(2);
}

/** The routeperf options of a variant; undefined means the app does not use routeperf at all. */
function routeperfOptions() {
  if (variant === 'bare') return undefined;
  if (variant === 'disabled') return { enabled: false };
  return { database: `sqlite:${sqliteFile}`, environment: 'production' };
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
    stats: () => (options ? app.routeperf.stats() : undefined),
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
    stats: () => routeperfInstance?.stats(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await middleware?.close();
    },
  };
}

const app = await (framework === 'fastify' ? startFastify : startExpress)(routeperfOptions());
report({ url: app.url });

process.once('SIGTERM', async () => {
  // close() first: it waits for writes in flight, so the counters then cover every request served.
  await app.close();
  report({ stats: app.stats() ?? null });
  process.exit(0);
});
