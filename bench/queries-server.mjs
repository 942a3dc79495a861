// The app of `bench/queries.ts`, one client and one variant per process:
//
//   node bench/queries-server.mjs <pg|knex> <bare|off|scope|on> <sqlite-file> <postgres-url> <table>
//
// A Fastify app whose route GET /orders/:id runs 10 queries, one after the other, against the PostgreSQL
// table <table> through node-postgres or Knex (a pool of 10 connections). Variants: bare (no routeperf),
// off (routeperf recording into the SQLite file, trackQueries: false, no tracker), scope (trackQueries
// but no tracker: the request scope alone), on (trackQueries and the client's tracker). Plain JavaScript on the built package, as a user's app runs.
// It prints `{"url": …}` when it listens and, after SIGTERM, `{"stats": …, "cpuMicros": …, "queries": …}`
// (`queries`: the route's average queries per request as routeperf stored them) before exiting.
const [client, variant, sqliteFile, postgresUrl, table] = process.argv.slice(2);
const usage =
  'usage: node bench/queries-server.mjs <pg|knex> <bare|off|scope|on> <sqlite-file> <postgres-url> <table>';
if (!['pg', 'knex'].includes(client) || !['bare', 'off', 'scope', 'on'].includes(variant) || !table) {
  console.error(usage);
  process.exit(2);
}
const QUERIES_PER_REQUEST = 10;
const ROWS = 1000;

function report(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** `select one order by id`, through the client, tracked in the `on` variant; and how to close it. */
async function openClient() {
  if (client === 'pg') {
    const { default: pg } = await import('pg');
    if (variant === 'on') (await import('../dist/trackers/pg/index.js')).trackPg(pg);
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 10 });
    const text = `select id, user_id, total from ${table} where id = $1`;
    return { select: (id) => pool.query(text, [id]), close: () => pool.end() };
  }
  const { default: createKnex } = await import('knex');
  const knex = createKnex({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 10 } });
  if (variant === 'on') (await import('../dist/trackers/knex/index.js')).trackKnex(knex);
  return {
    select: (id) => knex(table).select('id', 'user_id', 'total').where({ id }).first(),
    close: () => knex.destroy(),
  };
}

const { default: Fastify } = await import('fastify');
const app = Fastify({ logger: false });
if (variant !== 'bare') {
  const { default: routeperf } = await import('../dist/adapters/fastify.js');
  await app.register(routeperf, {
    database: `sqlite:${sqliteFile}`,
    environment: 'production',
    trackQueries: variant === 'scope' || variant === 'on',
  });
}
const database = await openClient();
app.get('/orders/:id', async (request) => {
  const first = Number(request.params.id) * QUERIES_PER_REQUEST;
  let total = 0;
  for (let i = 0; i < QUERIES_PER_REQUEST; i++) {
    const row = await database.select(((first + i) % ROWS) + 1);
    total += Number(row.rows?.[0]?.total ?? row.total);
  }
  return { total };
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const cpuAtListen = process.cpuUsage();
report({ url });

process.on('SIGTERM', async () => {
  const cpu = process.cpuUsage(cpuAtListen);
  const routeperf = variant === 'bare' ? undefined : app.routeperf;
  const stats = routeperf ? routeperf.stats() : null;
  const [route] = routeperf ? await routeperf.routes({ search: '/orders' }) : [];
  await app.close();
  await database.close();
  report({ stats, cpuMicros: cpu.user + cpu.system, queries: route ? route.queries.avg : null });
  process.exit(0);
});
