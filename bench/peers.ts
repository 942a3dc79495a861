/**
 * `npm run bench:peers`: what routeperf costs an app next to the tools a user would pick instead. Two
 * apps per framework (Fastify 5, Express 5) with one route, GET /users/:id: `hello` returns a small JSON
 * object, `query` runs one PostgreSQL query through a pg.Pool of 10 connections. Each is measured
 * without monitoring (bare) and with:
 *
 * - routeperf: `enabled: false`; synchronous mode into a SQLite file; async `memory://` (a worker in the
 *   app's process stores into SQLite); async `redis://` (the app sends to a stream of its own, and
 *   `routeperf consume`, in another process, stores into SQLite). With `query`, routeperf tracks the
 *   pool's queries (routeperf/pg).
 * - fastify-metrics (Fastify), express-prom-bundle and swagger-stats (Express): prom-client style metrics
 *   in the app, scraped afterwards.
 * - OpenTelemetry: traces (http, @fastify/otel or Express, and pg instrumentations, BatchSpanProcessor),
 *   or metrics only (the same instrumentations' histograms, a PeriodicExportingMetricReader), exported
 *   over OTLP/HTTP to a sink this process runs on loopback.
 *
 * Every case is a fresh app process (bench/peers-server.mjs, on the built package), loaded by autocannon
 * in another process: a warm-up, then a measured run with the same connections. Each round runs every
 * case once, in an order shuffled from a seed it prints; a case's figures are its median round. Then it
 * checks that each variant recorded every request its route served: routeperf's stats() (and, for
 * redis://, what the worker's store holds once drained), the peers' /metrics or stats API, the spans or
 * histogram counts the OTLP sink received. A mismatch is marked, never hidden.
 *
 *   npm run bench:peers -- [--rounds 3] [--duration 8] [--warmup 2] [--connections 10] [--seed N]
 *     [--frameworks fastify,express] [--workloads hello,query] [--variants bare,disabled,sync,…] [--quick]
 *
 * `--quick`: one round of 3 s after 1 s of warm-up, unless those are given. It measures and prints the
 * targets it evaluates on the run; it asserts nothing. The apps, autocannon, the worker, Redis and
 * PostgreSQL share the machine, so the ratios to bare, measured in the same run, compare; the absolute
 * figures compare only on the same machine and day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../test/support/random.js';
import { startOtlpSink } from './support/otlp-sink.js';
import {
  type App,
  appsOf,
  type Case,
  caseKey,
  casesOf,
  type Framework,
  frameworks,
  shuffled,
  type Variant,
  variantLabels,
  variants,
  type Workload,
  workloads,
} from './support/peers-cases.js';
import { abandonAll, type MeasureContext, type Measurement, measure } from './support/peers-measure.js';
import { detailTable, type Outcomes, summarize, summaryTable, targetLines } from './support/peers-report.js';
import { loadAverage, machine, unreachable } from './support/report.js';

const REDIS_URL = process.env.ROUTEPERF_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Settings {
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  seed: number;
  frameworks: Framework[];
  workloads: Workload[];
  variants: Variant[];
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '10' },
      seed: { type: 'string', default: String(Math.floor(Math.random() * 1_000_000)) },
      frameworks: { type: 'string', default: frameworks.join(',') },
      workloads: { type: 'string', default: workloads.join(',') },
      variants: { type: 'string', default: variants.join(',') },
      quick: { type: 'boolean', default: false },
    },
  });
  const fail = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  const whole = (
    name: 'rounds' | 'duration' | 'warmup' | 'connections' | 'seed',
    fallback: number,
    min: number,
  ) => {
    const value = Number(values[name] ?? fallback);
    if (!Number.isInteger(value) || value < min)
      fail(`--${name}: expected a whole number of at least ${min}, got ${values[name]}`);
    return value;
  };
  const list = <T extends string>(
    name: 'frameworks' | 'workloads' | 'variants',
    allowed: readonly T[],
  ): T[] => {
    const items = values[name].split(',').map((item) => item.trim());
    if (items.some((item) => !allowed.includes(item as T)))
      fail(`--${name}: expected a comma-separated list of ${allowed.join(', ')}, got ${values[name]}`);
    return items as T[];
  };
  const quick = values.quick;
  const chosen = list('variants', variants);
  return {
    rounds: whole('rounds', quick ? 1 : 3, 1),
    duration: whole('duration', quick ? 3 : 8, 1),
    warmup: whole('warmup', quick ? 1 : 2, 0),
    connections: whole('connections', 10, 1),
    seed: whole('seed', 0, 0),
    frameworks: list('frameworks', frameworks),
    workloads: list('workloads', workloads),
    // The ratios are to the bare app: it is always measured.
    variants: variants.filter((variant) => variant === 'bare' || chosen.includes(variant)),
  };
}

/** Why a case cannot run here (a service it needs is down), or undefined. */
async function skipReasons(cases: readonly Case[]): Promise<(c: Case) => string | undefined> {
  const needs = (test: (c: Case) => boolean) => cases.some(test);
  const redisDown = needs((c) => c.variant === 'async-redis') ? await unreachable(REDIS_URL) : undefined;
  const postgresDown = needs((c) => c.workload === 'query') ? await unreachable(POSTGRES_URL) : undefined;
  return (c) => {
    if (c.workload === 'query' && postgresDown) return `skipped: PostgreSQL ${postgresDown}`;
    if (c.variant === 'async-redis' && redisDown) return `skipped: Redis ${redisDown}`;
    return undefined;
  };
}

/** Every round, each in its own shuffled order; what each case measured, or why it failed. */
async function runRounds(settings: Settings, cases: readonly Case[], context: MeasureContext) {
  const skip = await skipReasons(cases);
  const random = seededRandom(settings.seed);
  const measured = new Map<string, Measurement[]>();
  const failures = new Map<string, string>();
  const runnable = cases.filter((c) => !skip(c));
  for (let round = 1; round <= settings.rounds; round++) {
    const order = shuffled(runnable, random);
    for (const [i, c] of order.entries()) {
      const what = `${c.framework} ${c.workload} / ${variantLabels[c.variant]}`;
      process.stderr.write(`round ${round} of ${settings.rounds}, ${i + 1} of ${order.length}: ${what} …\n`);
      try {
        const measurement = await measure(c, context);
        measured.set(caseKey(c), [...(measured.get(caseKey(c)) ?? []), measurement]);
      } catch (error) {
        failures.set(caseKey(c), `failed: ${(error as Error).message}`);
        process.stderr.write(`${failures.get(caseKey(c))}\n`);
      }
    }
  }
  const outcomes: Outcomes = new Map();
  for (const c of cases) {
    const rounds = measured.get(caseKey(c));
    const missing = skip(c) ?? failures.get(caseKey(c)) ?? 'not run';
    outcomes.set(caseKey(c), rounds ? { summary: summarize(rounds) } : { missing });
  }
  return outcomes;
}

function printResults(settings: Settings, apps: readonly App[], cases: readonly Case[], outcomes: Outcomes) {
  console.log(
    `\nRatio of each variant's req/s to bare's ("!": it recorded fewer or more requests than served)\n`,
  );
  console.log(summaryTable(apps, settings.variants, outcomes));
  console.log(`\n${detailTable(cases, outcomes, settings.rounds)}\n`);
  console.log('Targets, on this run:');
  for (const line of targetLines(apps, outcomes)) console.log(`  ${line}`);
  console.log(`\nload average at end: ${loadAverage()}`);
  console.log(
    'req/s: mean of per-second samples, median round' +
      (settings.rounds > 1 ? ' (spread: lowest–highest round)' : '') +
      '; p99: latency of that round in whole ms (autocannon resolution); vs bare: req/s over bare req/s ' +
      'of the same app; cpu µs/req: CPU time of the app process per request answered during the measured ' +
      "run (warm-up excluded), median of the rounds; +cpu vs bare: that minus bare's; worker µs/req: CPU " +
      'time of the redis:// worker process from when it started consuming until it had stored the last ' +
      'message, per request answered (warm-up included), median of the rounds; failed: errors + ' +
      'timeouts + non-2xx; load: 1-minute load average at the end of the run; recorded: what the tool ' +
      'recorded against the requests the route served (warm-up included): routeperf stored (sync, ' +
      "memory://) or sent and then stored by the worker (redis://), the route's request count in " +
      "/metrics or swagger-stats' stats API, the server spans or histogram count the OTLP sink received.",
  );
}

async function main() {
  const settings = readSettings();
  const apps = appsOf(settings);
  const cases = casesOf(apps, settings.variants);
  console.log(machine());
  console.log(
    `load: autocannon in its own process, ${settings.connections} connections over loopback, ` +
      `${settings.warmup} s warm-up then ${settings.duration} s measured per case; ${settings.rounds} ` +
      `round${settings.rounds > 1 ? 's' : ''} of ${cases.length} cases, each round shuffled (seed ${settings.seed})`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-peers-'));
  const sink = await startOtlpSink();
  const interrupted = async (signal: NodeJS.Signals) => {
    process.stderr.write(
      `${signal}: stopping the apps and the worker, deleting the run's streams and files\n`,
    );
    await abandonAll(REDIS_URL);
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const context = { ...settings, dir, sink, redisUrl: REDIS_URL, postgresUrl: POSTGRES_URL };
    const outcomes = await runRounds(settings, cases, context);
    printResults(settings, apps, cases, outcomes);
  } finally {
    await abandonAll(REDIS_URL);
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
