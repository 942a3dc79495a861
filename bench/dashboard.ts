/**
 * `npm run bench:dashboard`: how fast the dashboard answers on a big store. For SQLite and PostgreSQL it
 * seeds the store a busy app leaves after 30 days (see support/dashboard-seed.ts: 1,000 routes, 10 million
 * requests, 1 million access records, rolled up as the worker leaves it), serves the dashboard over HTTP on
 * that store and times each page for the periods 1h, 24h, 7d and 30d ending now, from the request sent to
 * the last byte of the page. Then it times the store reads behind the pages the same way. Every page and
 * read runs `--iterations` times, interleaved with the others; it prints the median and p95 in ms, the
 * rows of each table and the size of the database. The yardstick is the routes table built the way a tool
 * that stores every request builds it: one plain SQL aggregate over the access records of the period.
 *
 *   npm run bench:dashboard -- [--stores sqlite,postgres] [--routes 1000] [--requests 10000000]
 *     [--access-records 1000000] [--iterations 20]
 *
 * Each run has its own SQLite file and PostgreSQL table prefix, deleted at the end. It measures and
 * prints; it asserts nothing about speed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, sql } from 'kysely';
import { createDashboard } from '../src/dashboard/index.js';
import { createRouteperf } from '../src/routeperf.js';
import { dialectFor } from '../src/store/dialects/index.js';
import type { Store } from '../src/store/store.js';
import { DAY_MS, type Database, HOUR_MS } from '../src/store/tables.js';
import { seedDashboardStore } from './support/dashboard-seed.js';
import { count, formatTable, machine, unreachable } from './support/report.js';
import { seededStore } from './support/seeded-store.js';

const POSTGRES = process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENVIRONMENT = 'production';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite,postgres' },
    routes: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '10000000' },
    'access-records': { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '20' },
  },
});

/** The periods the dashboard offers, with the step of its charts for each. */
const PERIODS = [
  { name: '1h', span: HOUR_MS, step: 60_000 },
  { name: '24h', span: DAY_MS, step: HOUR_MS },
  { name: '7d', span: 7 * DAY_MS, step: 6 * HOUR_MS },
  { name: '30d', span: 30 * DAY_MS, step: DAY_MS },
];

/** The pages timed, by the query string of each for a period (p) and the busiest route (top). */
const PAGES: Record<string, (p: string, top: { method: string; route: string }) => string> = {
  overview: (p) => `/?period=${p}`,
  'routes (by avg)': (p) => `/routes?period=${p}`,
  'routes (by p95)': (p) => `/routes?period=${p}&sort=p95`,
  'route detail': (p, top) =>
    `/route?period=${p}&method=${top.method}&route=${encodeURIComponent(top.route)}`,
};

/** The reads one page view makes, per period (since: the period's start). */
const READS: Record<string, (store: Store, since: number, step: number, top: string) => Promise<unknown>> = {
  'routes (by avg, page of 50)': (store, since) => store.routes({ since, limit: 50 }),
  'routes (by p95, page of 50)': (store, since) => store.routes({ since, sort: 'p95', limit: 50 }),
  'series, all routes': (store, since, step) => store.timeseries({ since, step }),
  'series, one route': (store, since, step, top) => store.timeseries({ route: top, since, step }),
  'latency histogram, one route': (store, since, _, top) => store.latencyHistogram({ route: top, since }),
  'access statistics': (store, since) => store.accessStatistics({ since }),
  'access records (page of 50)': (store, since) => store.accessRecords({ since, limit: 50 }),
};

/**
 * The yardstick: the routes table the way a tool that keeps every request builds it, one plain SQL
 * aggregate over the access records of the period. Here they are a tenth of the requests; such a tool would
 * scan all of them.
 */
const RAW_ROUTES = 'yardstick: routes from access records';

function rawRoutes(db: Kysely<Database>, since: number) {
  return db
    .selectFrom('access_records')
    .select((eb) => [
      'route_id',
      eb.fn.countAll().as('count'),
      eb.fn.avg('request_time').as('avg'),
      eb.fn.max('request_time').as('max'),
    ])
    .where('created_at', '>=', since)
    .groupBy('route_id')
    .orderBy('avg', 'desc')
    .limit(50)
    .execute();
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function benchStore(name: string, url: string, prefix: string) {
  const { store, db } = await seededStore(url, prefix, ENVIRONMENT);
  try {
    const now = Date.now() - (Date.now() % 60_000);
    const started = performance.now();
    const seeded = await seedDashboardStore(db, {
      routes: Number(values.routes),
      requests: Number(values.requests),
      days: 30,
      accessRecords: Number(values['access-records']),
      now,
      environment: ENVIRONMENT,
    });
    console.log(
      `${name}: seeded ${count(seeded.requests)} requests in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    // What a store this old has had: PostgreSQL's autovacuum has vacuumed and analysed its tables.
    if (!url.startsWith('sqlite:')) await vacuumAnalyze(db, prefix);
    const [top] = await store.routes({ sort: 'count', limit: 1 });
    const dashboard = await serveDashboard(url, prefix);
    try {
      const pages = Object.entries(PAGES).map(([page, path]) => ({
        name: page,
        run: async (period: Period) => {
          const response = await fetch(`${dashboard.url}${path(period.name, top!)}`);
          const body = await response.text();
          if (response.status !== 200) throw new Error(`${page} ${period.name}: ${response.status} ${body}`);
        },
      }));
      printTimings(`${name}: median / p95 ms per page over HTTP`, await timeEach(pages));
    } finally {
      await dashboard.close();
    }
    const reads = Object.entries(READS).map(([read, run]) => ({
      name: read,
      run: (period: Period) => run(store, Date.now() - period.span, period.step, top!.route),
    }));
    reads.push({ name: RAW_ROUTES, run: (period) => rawRoutes(db, Date.now() - period.span) });
    printTimings(`${name}: median / p95 ms per store read`, await timeEach(reads));
    console.log(
      `\n${name}: rows ${Object.entries(seeded.rows)
        .map(([table, n]) => `${table} ${count(n)}`)
        .join(', ')}`,
    );
    console.log(`${name}: database size ${((await databaseBytes(db, url, prefix)) / 2 ** 20) | 0} MiB\n`);
  } finally {
    await store.close();
    await db.destroy();
  }
}

type Period = (typeof PERIODS)[number];

/**
 * Times each entry for each period, `--iterations` rounds after one untimed round (the first reads of a
 * process fill the database's cache and compile the code), every entry and period once per round.
 */
async function timeEach(entries: { name: string; run: (period: Period) => Promise<unknown> }[]) {
  for (const period of PERIODS) for (const { run } of entries) await run(period);
  const timings = new Map<string, number[]>();
  for (let i = 0; i < Number(values.iterations); i++) {
    for (const period of PERIODS) {
      for (const { name, run } of entries) {
        const start = performance.now();
        await run(period);
        const key = `${name}\t${period.name}`;
        timings.set(key, [...(timings.get(key) ?? []), performance.now() - start]);
      }
    }
  }
  return entries.map(({ name }) => [
    name,
    ...PERIODS.map((period) => {
      const sorted = timings.get(`${name}\t${period.name}`)!.sort((a, b) => a - b);
      return `${quantile(sorted, 0.5).toFixed(0)} / ${quantile(sorted, 0.95).toFixed(0)}`;
    }),
  ]);
}

function printTimings(title: string, rows: string[][]) {
  console.log(`\n${title}, ${values.iterations} times each\n`);
  console.log(formatTable(['', ...PERIODS.map((p) => p.name)], rows, (column) => column > 0));
}

/** The dashboard of a routeperf handle on the seeded store, served at the root of its own server. */
async function serveDashboard(database: string, tablePrefix: string) {
  const routeperf = await createRouteperf({
    database,
    tablePrefix,
    environment: ENVIRONMENT,
    maxRoutes: 100_000,
    accessRecords: { enabled: true, retentionDays: null },
    dashboard: { authorize: () => true },
  });
  const dashboard = createDashboard(
    routeperf,
    { ...routeperf.config.dashboard!, path: '' },
    { readOnly: true },
  );
  const server = createServer((req, res) => {
    dashboard.node(req, res).catch((error: Error) => res.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await routeperf.close();
    },
  };
}

async function vacuumAnalyze(db: Kysely<Database>, prefix: string) {
  const { rows } = await sql<{ name: string }>`
    select tablename as name from pg_tables where tablename like ${`${prefix}%`}`.execute(db);
  for (const { name } of rows) await sql`vacuum analyze ${sql.table(name)}`.execute(db.withoutPlugins());
}

async function databaseBytes(db: Kysely<Database>, url: string, prefix: string): Promise<number> {
  if (url.startsWith('sqlite:')) return statSync(url.slice('sqlite:'.length)).size;
  const { rows } = await sql<{ bytes: string }>`
    select sum(pg_total_relation_size(quote_ident(tablename))) as bytes from pg_tables
    where tablename like ${`${prefix}%`}`.execute(db);
  return Number(rows[0]!.bytes);
}

async function dropPostgresTables(prefix: string) {
  const dialect = await dialectFor(POSTGRES).createDialect(POSTGRES, () => {});
  const db = new Kysely<unknown>({ dialect });
  const { rows } = await sql<{
    name: string;
  }>`select tablename as name from pg_tables where tablename like ${`${prefix}%`}`.execute(db);
  for (const { name } of rows) await sql`drop table ${sql.table(name)}`.execute(db);
  await db.destroy();
}

console.log(machine());
for (const name of values.stores.split(',')) {
  const prefix = `bench_dash_${process.pid}_`;
  if (name === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'routeperf-dashboard-'));
    try {
      await benchStore('SQLite', `sqlite:${join(folder, 'store.sqlite')}`, prefix);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  } else if (name === 'postgres') {
    const problem = await unreachable(POSTGRES);
    if (problem) {
      console.log(`PostgreSQL skipped: ${problem}`);
      continue;
    }
    try {
      await benchStore('PostgreSQL', POSTGRES, prefix);
    } finally {
      await dropPostgresTables(prefix);
    }
  }
}
