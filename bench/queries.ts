/**
 * `npm run bench:queries`: what query tracking costs a route that runs 10 queries against PostgreSQL.
 * For node-postgres and for Knex, four variants of one Fastify app (bench/queries-server.mjs, each a
 * fresh process on the built package): without routeperf (bare), routeperf with `trackQueries: false`
 * and no tracker (off), routeperf with `trackQueries` but no tracker (scope: what the request's
 * AsyncLocalStorage costs alone), and routeperf with `trackQueries` and the client's tracker (on).
 *
 * On a small shared machine the throughput of one process drifts by more, from one minute to the next,
 * than the few percent measured here. So each round starts the four variants side by side and loads
 * them in turn, in short slices, from an autocannon process of its own over loopback; a cycle gives every
 * variant one slice, in an order that rotates. Slices of one cycle run seconds apart under the same
 * conditions, so the cost is read from the ratio of "on" to "off" within each cycle: its median over
 * every cycle of every round, with the quartiles to show the spread.
 *
 *   npm run bench:queries -- [--slice 2] [--cycles 6] [--warmup 2] [--connections 20] [--rounds 3] [--clients pg,knex]
 *     [--variants bare,off,scope,on]   (off and on always; fewer variants leave time for more cycles)
 *
 * "scope vs off" is the request scope's part of the cost (on Node 20, AsyncLocalStorage hooks every
 * promise). For node-postgres it then measures the tracker's own work, which is smaller than that spread,
 * apart from HTTP and PostgreSQL (bench/queries-tracker-work.mjs, fresh processes, interleaved rounds).
 * It measures and prints; it asserts nothing about speed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
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
const trackerWorkScript = fileURLToPath(new URL('./queries-tracker-work.mjs', import.meta.url));

interface Settings {
  slice: number;
  cycles: number;
  warmup: number;
  connections: number;
  rounds: number;
  clients: Client[];
  variants: Variant[];
}

/** One variant of one client, over every round. */
interface Measurement {
  slices: LoadResult[];
  /** Each round's CPU time of the app process per request it served, warm-up included (µs). */
  cpuPerRequest: number[];
  /** Average queries per request routeperf stored for the route (null without routeperf). */
  queries: number | null;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      slice: { type: 'string', default: '2' },
      cycles: { type: 'string', default: '6' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      clients: { type: 'string', default: clients.join(',') },
      variants: { type: 'string', default: variants.join(',') },
    },
  });
  const fail = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  const whole = (name: 'slice' | 'cycles' | 'warmup' | 'connections' | 'rounds', minimum: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < minimum)
      fail(`--${name}: expected a whole number of at least ${minimum}, got ${values[name]}`);
    return value;
  };
  const chosen = values.clients.split(',').map((item) => item.trim()) as Client[];
  if (chosen.some((item) => !clients.includes(item)))
    fail(`--clients: expected a comma-separated list of ${clients.join(', ')}, got ${values.clients}`);
  const chosenVariants = values.variants.split(',').map((item) => item.trim()) as Variant[];
  if (
    chosenVariants.some((item) => !variants.includes(item)) ||
    !['off', 'on'].every((v) => chosenVariants.includes(v as Variant))
  )
    fail(
      `--variants: expected a comma-separated list of ${variants.join(', ')} with off and on, got ${values.variants}`,
    );
  return {
    slice: whole('slice', 1),
    cycles: whole('cycles', 1),
    warmup: whole('warmup', 0),
    connections: whole('connections', 1),
    rounds: whole('rounds', 1),
    clients: chosen,
    variants: variants.filter((variant) => chosenVariants.includes(variant)),
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

/** One variant's app, started and listening. */
interface Server {
  variant: Variant;
  process: ChildProcess;
  url: string;
  next: ReturnType<typeof jsonLines>;
}

async function startServer(client: Client, variant: Variant, dir: string, table: string): Promise<Server> {
  const sqlite = join(dir, `${client}-${variant}-${randomBytes(3).toString('hex')}.sqlite`);
  const child = spawn(process.execPath, [serverScript, client, variant, sqlite, POSTGRES_URL, table], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const next = jsonLines(child);
  return { variant, process: child, url: `${await next<string>('url')}/orders/7`, next };
}

/** Stops a server; its CPU time and the queries per request routeperf stored for the route. */
async function stopServer(server: Server) {
  const cpuMicros = server.next<number>('cpuMicros');
  const queries = server.next<number | null>('queries');
  server.process.kill('SIGTERM');
  return { cpuMicros: await cpuMicros, queries: await queries };
}

/** The variants in the order cycle `cycle` loads them: each takes every place in turn. */
function rotated<T>(items: readonly T[], cycle: number): T[] {
  const shift = cycle % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * One round of one client: its variants side by side, each warmed up, then `cycles` cycles of one
 * slice each. Adds each variant's slices and CPU time to `results`, and each cycle's "on" to "off"
 * ratio to `ratios`.
 */
async function measureRound(
  client: Client,
  settings: Settings,
  dir: string,
  table: string,
  results: Map<Variant, Measurement>,
  ratios: number[],
) {
  const servers = await Promise.all(
    settings.variants.map((variant) => startServer(client, variant, dir, table)),
  );
  try {
    const served = new Map<Variant, number>();
    for (const server of servers) {
      const warm =
        settings.warmup > 0
          ? await runAutocannon(server.url, settings.connections, settings.warmup)
          : undefined;
      served.set(server.variant, warm?.requests.total ?? 0);
    }
    for (let cycle = 0; cycle < settings.cycles; cycle++) {
      const cycleRate = new Map<Variant, number>();
      for (const server of rotated(servers, cycle)) {
        const load = await runAutocannon(server.url, settings.connections, settings.slice);
        results.get(server.variant)!.slices.push(load);
        served.set(server.variant, served.get(server.variant)! + load.requests.total);
        cycleRate.set(server.variant, load.requests.total);
      }
      ratios.push(cycleRate.get('on')! / cycleRate.get('off')!);
    }
    for (const server of servers) {
      const { cpuMicros, queries } = await stopServer(server);
      const measurement = results.get(server.variant)!;
      measurement.cpuPerRequest.push(cpuMicros / served.get(server.variant)!);
      measurement.queries = queries;
    }
  } finally {
    for (const server of servers) if (server.process.exitCode === null) server.process.kill('SIGKILL');
  }
}

/** The value at fraction `at` (0.5: the median) of `values`, sorted. */
const quantile = (values: number[], at: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * at)]!;
const requestRate = (m: Measurement, settings: Settings) =>
  m.slices.reduce((sum, slice) => sum + slice.requests.total, 0) / (m.slices.length * settings.slice);

function table(client: Client, results: Map<Variant, Measurement>, settings: Settings): string[][] {
  const off = results.get('off')!;
  return settings.variants.map((variant) => {
    const m = results.get(variant)!;
    const cpu = quantile(m.cpuPerRequest, 0.5);
    return [
      client,
      variantLabels[variant],
      count(requestRate(m, settings)),
      String(
        quantile(
          m.slices.map((slice) => slice.latency.p50),
          0.5,
        ),
      ),
      String(
        quantile(
          m.slices.map((slice) => slice.latency.p99),
          0.5,
        ),
      ),
      cpu.toFixed(0),
      m.queries === null ? '-' : m.queries.toFixed(1),
      String(m.slices.reduce((sum, slice) => sum + slice.errors + slice.timeouts + slice.non2xx, 0)),
      (requestRate(m, settings) / requestRate(off, settings)).toFixed(3),
      (cpu / quantile(off.cpuPerRequest, 0.5)).toFixed(3),
    ];
  });
}

function verdict(client: Client, ratios: number[]): string {
  const cost = 1 - quantile(ratios, 0.5);
  const met = cost < TARGET_COST ? 'met' : 'NOT met';
  const spread = `${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)}`;
  return (
    `${client}: tracking costs ${(cost * 100).toFixed(1)} % of req/s (target under ${TARGET_COST * 100} %: ${met}); ` +
    `"on" to "off" in each of ${ratios.length} cycles: median ${quantile(ratios, 0.5).toFixed(3)}, quartiles ${spread}`
  );
}

/** CPU per request of bench/queries-tracker-work.mjs in a fresh process (µs). */
async function trackerWorkRound(variant: 'scope' | 'tracked'): Promise<number> {
  const child = spawn(process.execPath, [trackerWorkScript, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return jsonLines(child)<number>('cpuMicrosPerRequest');
}

/**
 * What the pg tracker's own code costs, apart from HTTP and PostgreSQL, which spread the throughput
 * figures by more than it: `rounds` interleaved rounds of bench/queries-tracker-work.mjs with and without
 * the tracker, as a share of `routeCpu`, the CPU per request of the route without query tracking.
 */
async function trackerWork(rounds: number, routeCpu: number): Promise<string> {
  const measured = { scope: [] as number[], tracked: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`measuring the pg tracker's own work (round ${round} of ${rounds}) …\n`);
    for (const variant of ['scope', 'tracked'] as const)
      measured[variant].push(await trackerWorkRound(variant));
  }
  const scope = quantile(measured.scope, 0.5);
  const tracked = quantile(measured.tracked, 0.5);
  const perQuery = (tracked - scope) / 10;
  return (
    `pg tracker's own work, in one process without HTTP or PostgreSQL (bench/queries-tracker-work.mjs, ` +
    `median of ${rounds} rounds): ${perQuery.toFixed(2)} µs of CPU per query (10 queries: ${scope.toFixed(1)} µs ` +
    `with the request scope alone, ${tracked.toFixed(1)} µs tracked), ${((100 * perQuery * 10) / routeCpu).toFixed(1)} % ` +
    'of the CPU per request of the route above without query tracking'
  );
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
    `load: autocannon in its own process, ${settings.connections} connections over loopback; per round, the ` +
      `variants (${settings.variants.join(', ')}) side by side, ${settings.warmup} s warm-up each, then ${settings.cycles} cycles of one ` +
      `${settings.slice} s slice per variant; ${settings.rounds} rounds; route: 10 queries per request, pool of 10 connections\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-queries-'));
  try {
    const rows: string[][] = [];
    const verdicts: string[] = [];
    await withOrdersTable(async (orders) => {
      for (const client of settings.clients) {
        const results = new Map(
          settings.variants.map((v) => [v, { slices: [], cpuPerRequest: [], queries: null } as Measurement]),
        );
        const ratios: number[] = [];
        for (let round = 1; round <= settings.rounds; round++) {
          process.stderr.write(`measuring ${client} (round ${round} of ${settings.rounds}) …\n`);
          await measureRound(client, settings, dir, orders, results, ratios);
        }
        rows.push(...table(client, results, settings));
        verdicts.push(verdict(client, ratios));
        if (client === 'pg')
          verdicts.push(await trackerWork(settings.rounds, quantile(results.get('off')!.cpuPerRequest, 0.5)));
      }
    });
    const header = [
      'client',
      'variant',
      'req/s',
      'p50 ms',
      'p99 ms',
      'cpu µs/req',
      'queries/req',
      'failed',
      'vs off',
      'cpu vs off',
    ];
    console.log(`\n${formatTable(header, rows, (column) => column >= 2)}\n`);
    for (const line of verdicts) console.log(line);
    console.log(`load average at end: ${loadAverage()} (during the last run: ${currentLoad()})`);
    console.log(
      'req/s: requests over the loaded time of all slices; p50/p99: median over slices, in whole ms; ' +
        'cpu µs/req: CPU time of the app process per request, warm-up included, median round; queries/req: ' +
        'what routeperf stored for the route (10 when tracked, 0 when not); vs off: ratio to routeperf ' +
        'without query tracking. The app, autocannon and PostgreSQL share the machine.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
