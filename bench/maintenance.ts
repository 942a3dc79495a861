/**
 * `npm run bench:maintenance`: the maintenance work on a big store. For SQLite and PostgreSQL it seeds
 * `--records` access records (10 million by default) over 60 days and 1,000 routes, then:
 *
 * - rebuilds every bucket from them with `routeperf rebuild`, as a user runs it (its own process), against
 *   the yardstick: two plain GROUP BY statements (hourly totals and status counts) with the driver, in a
 *   process of its own, on an identical copy; rows per second and peak memory as below.
 * - exports them all to a CSV file with `routeperf export records`, as a user runs it (its own process),
 *   against the yardstick: a plain driver cursor whose rows are joined with commas, in a process of its
 *   own, on the copy; rows per second and peak memory as below.
 * - purges those older than 30 days with `routeperf purge`, as a user runs it (its own process), against
 *   the yardstick: one plain DELETE with the driver, in a process of its own, on an identical copy. Each
 *   prints rows per second and the process's peak resident memory (from the kernel's maxrss), beside the
 *   peak of a routeperf command that does nothing, `routeperf --version`: a batched purge's memory stays
 *   flat whatever the number of rows.
 * - serves `routeperf/prometheus` over HTTP on a store of `--routes` routes with recent traffic and times
 *   `--scrapes` scrapes, interleaved with the reads the exposition is made from (two `routes()` reads): what
 *   the rest costs (the text format) is the difference.
 *
 *   npm run bench:maintenance -- [--stores sqlite,postgres] [--steps rebuild,export,purge,scrape]
 *     [--records 10000000] [--routes 1000] [--scrapes 20]
 *
 * A purge deletes, so it runs once per store; its yardstick runs on its own copy. It measures and prints;
 * it asserts nothing about speed. Each run has its own SQLite files and PostgreSQL table prefixes,
 * removed at the end.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { prometheusHandler } from '../src/prometheus/index.js';
import { internalsOf } from '../src/routeperf/internals.js';
import { createRouteperf } from '../src/routeperf.js';
import { DAY_MS, type Database, TABLES } from '../src/store/tables.js';
import { count, formatTable, machine, unreachable } from './support/report.js';
import { seededStore } from './support/seeded-store.js';

const POSTGRES = process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENVIRONMENT = 'production';
const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const DELETE_YARDSTICK = join(import.meta.dirname, 'maintenance-delete.mjs');
const AGGREGATE_YARDSTICK = join(import.meta.dirname, 'maintenance-aggregate.mjs');
const EXPORT_YARDSTICK = join(import.meta.dirname, 'maintenance-export.mjs');
/** Prints the process's peak resident memory (kB) on stderr as it exits. */
const MAX_RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite,postgres' },
    steps: { type: 'string', default: 'rebuild,export,purge,scrape' },
    records: { type: 'string', default: '10000000' },
    routes: { type: 'string', default: '1000' },
    scrapes: { type: 'string', default: '20' },
  },
});
const RECORDS = Number(values.records);
const STEPS = new Set(values.steps.split(','));
const ROUTES = Number(values.routes);
const SPAN_MS = 60 * DAY_MS;
const scratch = mkdtempSync(join(tmpdir(), 'routeperf-bench-maintenance-'));

type Target = { database: string; tablePrefix: string };

/** A store of its own: a fresh SQLite file, or a fresh table prefix on PostgreSQL. */
function target(kind: string, name: string): Target {
  const tablePrefix = `rpbm_${process.pid}_${name}_`;
  const database = kind === 'sqlite' ? `sqlite:${join(scratch, `${name}.sqlite`)}` : POSTGRES;
  return { database, tablePrefix };
}

async function migrated({ database, tablePrefix }: Target) {
  const { store, db } = await seededStore(database, tablePrefix, ENVIRONMENT);
  await store.close();
  return db;
}

/**
 * Routes and access records written by the database itself (generate_series, a recursive CTE), spread
 * evenly over the 60 days before `now`, oldest first as an app writes them (ids grow with time): the same
 * rows on every run and store.
 */
async function seedRecords(db: Kysely<Database>, sqlite: boolean, now: number, tablePrefix: string) {
  const series = sqlite
    ? sql`with recursive s(g) as (select 1 union all select g + 1 from s where g < ${RECORDS})`
    : sql`with s(g) as (select generate_series(1, ${RECORDS}::bigint))`;
  const text = (expression: ReturnType<typeof sql>) => (sqlite ? expression : sql`(${expression})::text`);
  await sql`insert into ${sql.table('routes')} (id, environment, method, route, first_seen_at, last_accessed_at)
    select g, ${ENVIRONMENT}, 'GET', '/r' || ${text(sql`g`)} || '/:id', ${now - SPAN_MS}, ${now}
    from (${series} select g from s where g <= ${ROUTES}) routes_series`.execute(db);
  // Ids given by hand leave PostgreSQL's sequence behind them: routes routeperf adds take the next ones.
  if (!sqlite)
    await sql`select setval(pg_get_serial_sequence(${`"${tablePrefix}routes"`}, 'id'), ${ROUTES})`.execute(
      db,
    );
  await sql`${series} insert into ${sql.table('access_records')}
      (request_id, route_id, created_at, status_code, request_time, query_count, query_time, memory, path)
    select 'r' || ${text(sql`g`)}, 1 + g % ${ROUTES}, ${now - SPAN_MS} + (g * ${SPAN_MS}) / ${RECORDS}, case when g % 50 = 0 then 500 else 200 end,
      (g % 997) / 3.0, g % 20, (g % 97) / 10.0, 50000000, '/r' || ${text(sql`1 + g % ${ROUTES}`)} || '/' || ${text(sql`g % 1000`)}
    from s`.execute(db);
  if (sqlite) await sql`pragma wal_checkpoint(truncate)`.execute(db);
  else await sql`analyze ${sql.table('access_records')}`.execute(db);
}

/** Runs `node [args]` with the maxrss hook; its wall time in ms, peak memory in MiB and output. */
function measured(args: string[], cwd: string) {
  return new Promise<{ ms: number; mib: number; stdout: string }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', MAX_RSS_HOOK, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const rss = /maxrss (\d+)/.exec(stderr);
      if (code !== 0 || !rss) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
      resolve({ ms, mib: Number(rss[1]) / 1024, stdout });
    });
  });
}

type Run = { ms: number; mib: number };

/**
 * Prints what a routeperf command and its yardstick did, rows (or records) per second and peak memory,
 * with `extra` lines below them, then the ratio of their rates.
 */
function printComparison(
  heading: string,
  unit: string,
  [mine, yardstick]: [name: string, rows: number, run: Run][],
  extra: string[][] = [],
) {
  const line = ([name, rows, run]: [string, number, Run]) => [
    name,
    count(rows),
    (run.ms / 1000).toFixed(1),
    count(rows / (run.ms / 1000)),
    run.mib.toFixed(0),
  ];
  console.log(`\n${heading}\n`);
  const rows = [line(mine!), line(yardstick!), ...extra];
  console.log(formatTable(['', unit, 's', `${unit}/s`, 'peak MiB'], rows, (column) => column > 0));
  const rate = ([, rows, run]: [string, number, Run]) => rows / run.ms;
  const command = mine![0].split(' ')[1];
  console.log(
    `${heading.split(':')[0]}: ${command} ÷ yardstick ${unit}/s: ${(rate(mine!) / rate(yardstick!)).toFixed(2)}`,
  );
}

async function benchRecords(kind: string) {
  const sqlite = kind === 'sqlite';
  const now = Date.now();
  const mine = target(kind, 'purge');
  // A SQLite copy is the same file under another name: the same tables.
  const plain = sqlite
    ? { ...target(kind, 'delete'), tablePrefix: mine.tablePrefix }
    : target(kind, 'delete');
  const started = performance.now();
  const db = await migrated(mine);
  await seedRecords(db, sqlite, now, mine.tablePrefix);
  await db.destroy();
  if (sqlite) copyFileSync(mine.database.slice('sqlite:'.length), plain.database.slice('sqlite:'.length));
  else {
    const other = await migrated(plain);
    await seedRecords(other, sqlite, now, plain.tablePrefix);
    await other.destroy();
  }
  console.log(
    `\n${kind}: seeded ${count(RECORDS)} access records twice in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );

  const cwd = mkdtempSync(join(scratch, 'cwd-'));
  writeFileSync(join(cwd, 'routeperf.config.json'), JSON.stringify({ ...mine, environment: ENVIRONMENT }));
  const idle = await measured([CLI, '--version'], cwd);
  if (STEPS.has('rebuild')) await benchRebuild(kind, cwd, plain);
  if (STEPS.has('export')) await benchExport(kind, cwd, plain);
  if (STEPS.has('purge')) await benchPurge(kind, cwd, plain, now, idle);
  if (!sqlite) await dropPrefixes([mine.tablePrefix, plain.tablePrefix]);
}

/**
 * `routeperf purge` of the access records older than 30 days, against one DELETE on the copy, beside the
 * memory of an idle routeperf command.
 */
async function benchPurge(kind: string, cwd: string, plain: Target, now: number, idle: Run) {
  const purge = await measured([CLI, 'purge', '--older-than', '30d', '--format', 'json'], cwd);
  const purged = JSON.parse(purge.stdout).deleted.accessRecords as number;
  const before = now - 30 * DAY_MS;
  const table = `${plain.tablePrefix}access_records`;
  const yardstick = await measured([DELETE_YARDSTICK, plain.database, table, String(before)], cwd);
  const deleted = Number(yardstick.stdout.trim());
  printComparison(
    `${kind}: access records older than 30 days, deleted`,
    'rows',
    [
      ['routeperf purge (batches of 5,000)', purged, purge],
      ['yardstick: one DELETE', deleted, yardstick],
    ],
    [['routeperf --version (idle)', '', (idle.ms / 1000).toFixed(1), '', idle.mib.toFixed(0)]],
  );
}

/**
 * `routeperf rebuild` of every bucket from the seeded access records, against the yardstick on the copy:
 * two plain GROUP BY statements that compute hourly totals and status counts (the rebuild writes five
 * resolutions, histograms, percentiles and the environment's totals).
 */
async function benchRebuild(kind: string, cwd: string, plain: Target) {
  const rebuild = await measured([CLI, 'rebuild', '--format', 'json'], cwd);
  const rebuilt = JSON.parse(rebuild.stdout).environments[0].accessRecords as number;
  const yardstick = await measured([AGGREGATE_YARDSTICK, plain.database, plain.tablePrefix], cwd);
  const aggregated = Number(yardstick.stdout.trim());
  printComparison(`${kind}: every bucket rebuilt from the access records`, 'records', [
    ['routeperf rebuild', rebuilt, rebuild],
    ['yardstick: GROUP BY route and hour', aggregated, yardstick],
  ]);
}

/** `routeperf export records` of every access record to a CSV file, against a driver cursor on the copy. */
async function benchExport(kind: string, cwd: string, plain: Target) {
  const file = join(scratch, 'export.csv');
  const exported = await measured([CLI, 'export', 'records', '--format', 'csv', '--output', file], cwd);
  const rows = Number(/Wrote ([\d,]+)/.exec(exported.stdout)![1]!.replaceAll(',', ''));
  rmSync(file);
  const yardstick = await measured([EXPORT_YARDSTICK, plain.database, plain.tablePrefix, file], cwd);
  const cursorRows = Number(yardstick.stdout.trim());
  rmSync(file);
  printComparison(`${kind}: every access record exported to a CSV file`, 'rows', [
    ['routeperf export records', rows, exported],
    ['yardstick: a driver cursor', cursorRows, yardstick],
  ]);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function benchScrape(kind: string) {
  const { database, tablePrefix } = target(kind, 'scrape');
  const silent = { info() {}, warn() {}, error() {} };
  const routeperf = await createRouteperf({
    database,
    tablePrefix,
    environment: ENVIRONMENT,
    logger: silent,
  });
  try {
    const now = Date.now();
    const batch = [];
    for (let route = 1; route <= ROUTES; route++)
      for (let i = 0; i < 50; i++)
        batch.push({
          id: `s${route}-${i}`,
          ts: now - 60_000 - i * 3000,
          environment: ENVIRONMENT,
          method: 'GET',
          route: `/r${route}/:id`,
          statusCode: i % 25 === 0 ? 500 : 200,
          requestTime: (route * 7 + i * 13) % 400,
          queryCount: i % 9,
          queryTime: (i % 9) * 0.7,
          memory: 50_000_000,
        });
    const { store } = internalsOf(routeperf);
    for (let i = 0; i < batch.length; i += 5000) await store.ingest(batch.slice(i, i + 5000));
    await store.rollup();
    // What PostgreSQL's autovacuum does within a minute of such writes: without statistics on its new
    // tables, the planner reads them the slow way.
    if (kind !== 'sqlite') await analyze(tablePrefix);
    const handler = prometheusHandler(routeperf);
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const entries = {
      'scrape over HTTP': async () => {
        const response = await fetch(url);
        const body = await response.text();
        if (response.status !== 200 || !body.includes('routeperf_requests_total')) throw new Error(body);
      },
      'yardstick: its two routes() reads': async () => {
        await routeperf.routes({ since: Date.now() - 5 * 60_000, sort: 'route' });
        await routeperf.routes({ sort: 'route' });
      },
    };
    const timings = new Map<string, number[]>(Object.keys(entries).map((name) => [name, []]));
    for (let round = -1; round < Number(values.scrapes); round++) {
      for (const [name, run] of Object.entries(entries)) {
        const start = performance.now();
        await run();
        if (round >= 0) timings.get(name)!.push(performance.now() - start);
      }
    }
    await new Promise((resolve) => server.close(resolve));
    const rows = [...timings].map(([name, times]) => {
      const sorted = times.sort((a, b) => a - b);
      return [name, quantile(sorted, 0.5).toFixed(1), quantile(sorted, 0.95).toFixed(1)];
    });
    console.log(`\n${kind}: /metrics at ${count(ROUTES)} routes, ${values.scrapes} rounds interleaved, ms\n`);
    console.log(formatTable(['', 'median', 'p95'], rows, (column) => column > 0));
  } finally {
    await routeperf.close();
    if (kind !== 'sqlite') await dropPrefixes([tablePrefix]);
  }
}

async function analyze(prefix: string) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    for (const table of TABLES) await client.query(`analyze "${prefix}${table}"`);
  } finally {
    await client.end();
  }
}

async function dropPrefixes(prefixes: string[]) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    for (const prefix of prefixes) {
      const { rows } = await client.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = current_schema() and tablename like $1 || '%'",
        [prefix],
      );
      for (const { tablename } of rows) await client.query(`drop table if exists "${tablename}"`);
    }
  } finally {
    await client.end();
  }
}

console.log(machine());
try {
  for (const kind of values.stores.split(',')) {
    if (kind === 'postgres') {
      const reason = await unreachable(POSTGRES);
      if (reason) {
        console.log(`\npostgres: skipped (${reason})`);
        continue;
      }
    }
    if (['rebuild', 'export', 'purge'].some((step) => STEPS.has(step))) await benchRecords(kind);
    if (STEPS.has('scrape')) await benchScrape(kind);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
