/**
 * `npm run bench:queries`: what query tracking costs a route that runs 10 queries against PostgreSQL.
 * For node-postgres and for Knex, three variants of one Fastify app (bench/queries-server.mjs, each in a
 * fresh process on the built package): without routeperf (bare), routeperf with `trackQueries: false`
 * and no tracker (off), routeperf with `trackQueries` but no tracker (scope: what the request's
 * AsyncLocalStorage costs alone), and routeperf with `trackQueries` and the client's tracker (on). autocannon loads
 * each from a process of its own over loopback; rounds are interleaved, and the table shows each
 * variant's median round.
 *
 *   npm run bench:queries -- [--duration 8] [--warmup 2] [--connections 20] [--rounds 3] [--clients pg,knex]
 *
 * The figure that matters is "on vs off": the share of throughput tracking costs, of which "scope vs off" is
 * the request scope's part (on Node 20, AsyncLocalStorage hooks every promise). It measures and prints;
 * it asserts nothing about speed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { jsonLines, type LoadResult, runAutocannon } from './support/load.js';
import { count, currentLoad, formatTable, loadAverage, machine, unreachable } from './support/report.js';

const clients = ['pg', 'knex'] as const;
const variants = ['bare', 'off', 'scope', 'on'] as const;
type Client = (typeof clients)[number];
type Variant = (typeof variants)[number];
const variantLabels: Record<Variant, string> = {
  bare: 'without routeperf',
  off: 'routeperf, no query tracking',
  scope: 'routeperf, request scope only',
  on: 'routeperf, tracker on',
};
/** Tracking may cost at most this share of the throughput of the same app without it. */
const TARGET_COST = 0.03;
const POSTGRES_URL = process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const serverScript = fileURLToPath(new URL('./queries-server.mjs', import.meta.url));

interface Settings {
  duration: number;
  warmup: number;
  connections: number;
  rounds: number;
  clients: Client[];
}

interface Measurement {
  load: LoadResult;
  /** CPU time of the server process per request served, warm-up included (µs). */
  cpuPerRequest: number;
  /** Average queries per request routeperf stored for the route (null without routeperf). */
  queries: number | null;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      clients: { type: 'string', default: clients.join(',') },
    },
  });
  const fail = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  const whole = (name: 'duration' | 'warmup' | 'connections' | 'rounds', minimum: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < minimum)
      fail(`--${name}: expected a whole number of at least ${minimum}, got ${values[name]}`);
    return value;
  };
  const chosen = values.clients.split(',').map((item) => item.trim()) as Client[];
  if (chosen.some((item) => !clients.includes(item)))
    fail(`--clients: expected a comma-separated list of ${clients.join(', ')}, got ${values.clients}`);
  return {
    duration: whole('duration', 1),
    warmup: whole('warmup', 0),
    connections: whole('connections', 1),
    rounds: whole('rounds', 1),
    clients: chosen,
  };
}

/** A table of 1,000 orders of this run's own, dropped at the end. */
async function withOrdersTable<T>(run: (table: string) => Promise<T>): Promise<T> {
  const table = `routeperf_bench_orders_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(
      `create table ${table} (id integer primary key, user_id integer not null, total real not null)`,
    );
    await admin.query(
      `insert into ${table} select n, n % 50, (n * 7) % 90 + 10 from generate_series(1, 1000) as n`,
    );
    return await run(table);
  } finally {
    await admin.query(`drop table if exists ${table}`);
    await admin.end();
  }
}

async function measure(client: Client, variant: Variant, settings: Settings, dir: string, table: string) {
  const sqlite = join(dir, `${client}-${variant}-${randomBytes(3).toString('hex')}.sqlite`);
  const server = spawn(process.execPath, [serverScript, client, variant, sqlite, POSTGRES_URL, table], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const next = jsonLines(server);
  try {
    const url = `${await next<string>('url')}/orders/7`;
    const warm =
      settings.warmup > 0
        ? (await runAutocannon(url, settings.connections, settings.warmup)).requests.total
        : 0;
    const load = await runAutocannon(url, settings.connections, settings.duration);
    const cpuMicros = next<number>('cpuMicros');
    const queries = next<number | null>('queries');
    server.kill('SIGTERM');
    return {
      load,
      cpuPerRequest: (await cpuMicros) / (warm + load.requests.total),
      queries: await queries,
    } satisfies Measurement;
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

const median = (rounds: Measurement[]) =>
  [...rounds].sort((a, b) => a.load.requests.average - b.load.requests.average)[
    Math.floor((rounds.length - 1) / 2)
  ]!;

function table(results: Map<string, Measurement[]>, settings: Settings): string {
  const header = [
    'client',
    'variant',
    'req/s',
    'spread',
    'p50 ms',
    'p99 ms',
    'cpu µs/req',
    'queries/req',
    'failed',
    'vs off',
    'cpu vs off',
  ];
  const rows = settings.clients.flatMap((client) => {
    const off = results.get(`${client} off`);
    return variants.map((variant) => {
      const rounds = results.get(`${client} ${variant}`);
      if (!rounds?.length)
        return [client, variantLabels[variant], ...Array<string>(header.length - 2).fill('-')];
      const m = median(rounds);
      const sorted = rounds.map((r) => r.load.requests.average).sort((a, b) => a - b);
      const reference = off?.length ? median(off) : undefined;
      return [
        client,
        variantLabels[variant],
        count(m.load.requests.average),
        `${count(sorted[0]!)}–${count(sorted.at(-1)!)}`,
        String(m.load.latency.p50),
        String(m.load.latency.p99),
        m.cpuPerRequest.toFixed(0),
        m.queries === null ? '-' : m.queries.toFixed(1),
        String(m.load.errors + m.load.timeouts + m.load.non2xx),
        reference ? (m.load.requests.average / reference.load.requests.average).toFixed(3) : '-',
        reference ? (m.cpuPerRequest / reference.cpuPerRequest).toFixed(3) : '-',
      ];
    });
  });
  return formatTable(header, rows, (column) => column >= 2);
}

function verdicts(results: Map<string, Measurement[]>, settings: Settings): string[] {
  return settings.clients.map((client) => {
    const on = results.get(`${client} on`);
    const off = results.get(`${client} off`);
    if (!on?.length || !off?.length) return `${client}: not measured`;
    const cost = 1 - median(on).load.requests.average / median(off).load.requests.average;
    const verdict = cost < TARGET_COST ? 'met' : 'NOT met';
    return `${client}: tracking costs ${(cost * 100).toFixed(1)} % of req/s (target under ${TARGET_COST * 100} %: ${verdict})`;
  });
}

async function main() {
  const settings = readSettings();
  const down = await unreachable(POSTGRES_URL);
  if (down) {
    console.error(`PostgreSQL at ${POSTGRES_URL}: ${down}`);
    process.exit(1);
  }
  console.log(machine());
  console.log(
    `load: autocannon in its own process, ${settings.connections} connections over loopback, ` +
      `${settings.warmup} s warm-up then ${settings.duration} s measured, per variant; ` +
      `${settings.rounds} rounds, interleaved; route: 10 queries per request, pool of 10 connections\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-queries-'));
  try {
    const results = new Map<string, Measurement[]>();
    await withOrdersTable(async (orders) => {
      for (let round = 1; round <= settings.rounds; round++) {
        for (const client of settings.clients) {
          for (const variant of variants) {
            process.stderr.write(
              `measuring ${client} / ${variantLabels[variant]} (round ${round} of ${settings.rounds}) …\n`,
            );
            const key = `${client} ${variant}`;
            results.set(key, [
              ...(results.get(key) ?? []),
              await measure(client, variant, settings, dir, orders),
            ]);
          }
        }
      }
    });
    console.log(`\n${table(results, settings)}\n`);
    for (const line of verdicts(results, settings)) console.log(line);
    console.log(`load average at end: ${loadAverage()} (during the last run: ${currentLoad()})`);
    console.log(
      'req/s: mean of per-second samples, median round (spread: lowest–highest round); p50/p99: latency in ' +
        'whole ms; cpu µs/req: CPU time of the app process per request, warm-up included; queries/req: ' +
        'what routeperf stored for the route (10 when tracked, 0 when not); vs off: ratio to routeperf ' +
        'without query tracking. The app, autocannon and PostgreSQL share the machine.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
