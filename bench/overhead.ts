/**
 * `npm run bench:overhead`: what routeperf costs a hello-world app. For Fastify and Express, each variant
 * — without routeperf, with routeperf disabled, synchronous mode on a SQLite file, asynchronous mode with
 * the in-process `memory://` transport (its worker stores into the SQLite file in the same process), and
 * asynchronous mode with a `redis://` transport (the app only sends; no worker runs) — is served by its
 * own child process (`bench/server.mjs`, on the built package) and loaded by autocannon in another process
 * over loopback: a warm-up run, then a measured run with the same connections.
 *
 *   npm run bench:overhead -- [--duration 8] [--warmup 2] [--connections 50] [--rounds 1]
 *     [--frameworks fastify,express] [--variants bare,disabled,sync,async-memory,async-redis]
 *     [--no-track-queries]
 *
 * `--no-track-queries` runs every routeperf variant with `trackQueries: false` (no request scope).
 *
 * With `--rounds N` every variant is measured N times, the rounds interleaved, and the table shows the
 * round with the median requests per second (and the spread): what a single run on a shared machine
 * cannot tell apart from noise, several can. Each async-redis measurement sends to a stream of its own,
 * deleted afterwards.
 *
 * It measures and prints; it asserts nothing about speed. The figures depend on the machine and on what
 * else runs on it, and the server, the load generator and Redis share its cores.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deleteRedisStream, redisStreamLength } from './support/brokers.js';
import { jsonLines, type LoadResult, runAutocannon } from './support/load.js';
import { count, currentLoad, formatTable, loadAverage, machine, unreachable } from './support/report.js';

const frameworks = ['fastify', 'express'] as const;
const variants = ['bare', 'disabled', 'sync', 'async-memory', 'async-redis'] as const;
type Framework = (typeof frameworks)[number];
type Variant = (typeof variants)[number];

const variantLabels: Record<Variant, string> = {
  bare: 'without routeperf',
  disabled: 'routeperf enabled: false',
  sync: 'routeperf sync, SQLite file',
  'async-memory': 'routeperf async, memory:// (worker in-process → SQLite)',
  'async-redis': 'routeperf async, redis:// (send only)',
};
const asyncVariants: readonly Variant[] = ['async-memory', 'async-redis'];

const REDIS_URL = process.env.ROUTEPERF_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
/** The target for Fastify in async mode: this share of its bare requests per second. */
const TARGET_ASYNC_RATIO = 0.95;

interface Settings {
  duration: number;
  warmup: number;
  connections: number;
  rounds: number;
  frameworks: Framework[];
  variants: Variant[];
  /** routeperf's `trackQueries` in every variant that uses it. */
  trackQueries: boolean;
}

interface RouteperfStats {
  recorded: number;
  stored: number;
  dropped: number;
  sent: number;
  queued: number;
  mode: { async: boolean; transport?: string; fallback?: string };
}

interface Measurement {
  framework: Framework;
  variant: Variant;
  load: LoadResult;
  /** CPU time of the server process per request served, warm-up included (µs). */
  cpuPerRequest: number;
  stats: RouteperfStats | null;
  /** Entries in the variant's Redis stream after the server closed: what the app sent. */
  streamLength?: number;
  /** 1-minute load average when the measurement ended. */
  loadAverage: string;
}

/** One framework and variant over all rounds: the median round, and the spread of req/s. */
interface Result {
  framework: Framework;
  variant: Variant;
  median?: Measurement;
  low?: number;
  high?: number;
  /** Why there is no measurement: `skipped: …` or `failed: …`. */
  missing?: string;
}

const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url));

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '1' },
      frameworks: { type: 'string', default: frameworks.join(',') },
      variants: { type: 'string', default: variants.join(',') },
      'no-track-queries': { type: 'boolean', default: false },
    },
  });
  const fail = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  const positive = (name: 'duration' | 'warmup' | 'connections' | 'rounds', minimum: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < minimum)
      fail(`--${name}: expected a whole number of at least ${minimum}, got ${values[name]}`);
    return value;
  };
  const list = <T extends string>(name: 'frameworks' | 'variants', allowed: readonly T[]): T[] => {
    const items = values[name].split(',').map((item) => item.trim());
    if (items.some((item) => !allowed.includes(item as T)))
      fail(`--${name}: expected a comma-separated list of ${allowed.join(', ')}, got ${values[name]}`);
    return items as T[];
  };
  const chosen = list('variants', variants);
  return {
    duration: positive('duration', 1),
    warmup: positive('warmup', 0),
    connections: positive('connections', 1),
    rounds: positive('rounds', 1),
    frameworks: list('frameworks', frameworks),
    // The ratios are to the bare app: it is always measured.
    variants: variants.filter((variant) => variant === 'bare' || chosen.includes(variant)),
    trackQueries: !values['no-track-queries'],
  };
}

async function measure(
  framework: Framework,
  variant: Variant,
  settings: Settings,
  dir: string,
): Promise<Measurement> {
  const stream = `routeperf-bench-${randomBytes(4).toString('hex')}`;
  const args = [serverScript, framework, variant, join(dir, `${framework}-${variant}.sqlite`)];
  if (variant === 'async-redis') args.push(`${REDIS_URL}/${stream}`);
  const server = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ROUTEPERF_BENCH_TRACK_QUERIES: String(settings.trackQueries) },
  });
  const next = jsonLines(server);
  try {
    const url = `${await next<string>('url')}/`;
    const warm =
      settings.warmup > 0
        ? (await runAutocannon(url, settings.connections, settings.warmup)).requests.total
        : 0;
    const load = await runAutocannon(url, settings.connections, settings.duration);
    const loadAverage = currentLoad();
    const stats = next<RouteperfStats | null>('stats');
    const cpuMicros = next<number>('cpuMicros');
    server.kill('SIGTERM');
    const measurement: Measurement = {
      framework,
      variant,
      load,
      cpuPerRequest: (await cpuMicros) / (warm + load.requests.total),
      stats: await stats,
      loadAverage,
    };
    if (variant === 'async-redis') measurement.streamLength = await redisStreamLength(REDIS_URL, stream);
    return measurement;
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    if (variant === 'async-redis') await deleteRedisStream(REDIS_URL, stream).catch(() => {});
  }
}

/** The round with the median req/s, and the lowest and highest req/s of all rounds. */
function summarize(framework: Framework, variant: Variant, rounds: Measurement[]): Result {
  const sorted = [...rounds].sort((a, b) => a.load.requests.average - b.load.requests.average);
  return {
    framework,
    variant,
    median: sorted[Math.floor((sorted.length - 1) / 2)],
    low: sorted[0]?.load.requests.average,
    high: sorted.at(-1)?.load.requests.average,
  };
}

/** What routeperf did with the requests: stored, or sent to the transport; what it dropped or fell back to. */
function recorded(measurement: Measurement): string {
  const { stats, streamLength } = measurement;
  if (!stats) return '-';
  if (stats.mode.fallback) return `FELL BACK TO SYNC: ${stats.mode.fallback}`;
  const parts = [measurement.variant === 'async-redis' ? `sent ${stats.sent}` : `stored ${stats.stored}`];
  if (streamLength !== undefined) parts.push(`(stream ${streamLength})`);
  if (stats.dropped > 0) parts.push(`dropped ${stats.dropped}`);
  if (stats.queued > 0) parts.push(`queued ${stats.queued}`);
  return parts.join(' ');
}

function target(result: Result, ratio: number): string {
  if (result.framework !== 'fastify' || !asyncVariants.includes(result.variant)) return '';
  return `target ≥ ${TARGET_ASYNC_RATIO.toFixed(2)}: ${ratio >= TARGET_ASYNC_RATIO ? 'met' : 'NOT met'}`;
}

function table(results: Result[], rounds: number): string {
  const bare = (framework: Framework) =>
    results.find((r) => r.framework === framework && r.variant === 'bare')?.median?.load.requests.average;
  const header = [
    'framework',
    'variant',
    'req/s',
    ...(rounds > 1 ? ['spread'] : []),
    'p50 ms',
    'p99 ms',
    'vs bare',
    'cpu µs/req',
    'requests',
    'failed',
    'load',
    'recorded',
    'target',
  ];
  const rows = results.map((result) => {
    const label = [result.framework, variantLabels[result.variant]];
    const m = result.median;
    if (!m) {
      const blanks = header.length - label.length - 2;
      return [...label, ...Array<string>(blanks).fill('-'), result.missing!, ''];
    }
    const ratio = m.load.requests.average / (bare(result.framework) ?? Number.NaN);
    return [
      ...label,
      count(m.load.requests.average),
      ...(rounds > 1 ? [`${count(result.low!)}–${count(result.high!)}`] : []),
      String(m.load.latency.p50),
      String(m.load.latency.p99),
      ratio.toFixed(2),
      m.cpuPerRequest.toFixed(0),
      String(m.load.requests.total),
      String(m.load.errors + m.load.timeouts + m.load.non2xx),
      m.loadAverage,
      recorded(m),
      target(result, ratio),
    ];
  });
  return formatTable(header, rows, (column) => column >= 2 && column < header.length - 2);
}

async function main() {
  const settings = readSettings();
  console.log(machine());
  console.log(
    `load: autocannon in its own process, ${settings.connections} connections over loopback, ` +
      `${settings.warmup} s warm-up then ${settings.duration} s measured, per variant` +
      (settings.rounds > 1 ? `; ${settings.rounds} rounds, interleaved` : '') +
      (settings.trackQueries ? '' : '; routeperf with trackQueries: false') +
      '\n',
  );
  const redisDown = settings.variants.includes('async-redis') ? await unreachable(REDIS_URL) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-'));
  try {
    const rounds = new Map<string, Measurement[]>();
    const failures = new Map<string, string>();
    for (let round = 1; round <= settings.rounds; round++) {
      for (const framework of settings.frameworks) {
        for (const variant of settings.variants) {
          if (variant === 'async-redis' && redisDown) continue;
          const of = settings.rounds > 1 ? ` (round ${round} of ${settings.rounds})` : '';
          process.stderr.write(`measuring ${framework} / ${variantLabels[variant]}${of} …\n`);
          const key = `${framework} ${variant}`;
          try {
            rounds.set(key, [...(rounds.get(key) ?? []), await measure(framework, variant, settings, dir)]);
          } catch (error) {
            failures.set(key, `failed: ${(error as Error).message}`);
            process.stderr.write(`${failures.get(key)}\n`);
          }
        }
      }
    }
    const results = settings.frameworks.flatMap((framework) =>
      settings.variants.map((variant) =>
        variant === 'async-redis' && redisDown
          ? { framework, variant, missing: `skipped: Redis ${redisDown}` }
          : rounds.has(`${framework} ${variant}`)
            ? summarize(framework, variant, rounds.get(`${framework} ${variant}`)!)
            : { framework, variant, missing: failures.get(`${framework} ${variant}`) },
      ),
    );
    console.log(`\n${table(results, settings.rounds)}\n`);
    console.log(`load average at end: ${loadAverage()}`);
    console.log(
      'req/s: mean of per-second samples' +
        (settings.rounds > 1 ? ' (median round; spread: lowest–highest round)' : '') +
        '; p50/p99: latency in whole ms (autocannon resolution); ' +
        'vs bare: req/s ratio to the same framework without routeperf; cpu µs/req: CPU time of the server ' +
        'process per request served (warm-up included; less sensitive to other work on the machine than ' +
        'req/s); failed: errors + timeouts + non-2xx; ' +
        'load: 1-minute load average at the end of the measurement; recorded: requests routeperf stored ' +
        'in SQLite (sync, memory://) or sent to Redis (redis://, with the stream length read after the ' +
        'server closed) during the run, warm-up included.\n' +
        `Target (issue 3): Fastify in async mode keeps ≥ ${TARGET_ASYNC_RATIO * 100}% of its bare req/s.\n` +
        'Indicative figures: the server, autocannon and Redis share the machine, and other work may run on it.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
