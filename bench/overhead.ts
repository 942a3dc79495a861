/**
 * `npm run bench:overhead`: what routeperf costs a hello-world app. For Fastify and Express, three variants
 * — without routeperf, with routeperf disabled, with routeperf in synchronous mode on a SQLite file — each
 * served by its own child process (`bench/server.mjs`, on the built package) and loaded by autocannon in
 * another process over loopback: a warm-up run, then a measured run with the same connections.
 *
 *   npm run bench:overhead -- [--duration 8] [--warmup 2] [--connections 50]
 *
 * It measures and prints; it asserts nothing about speed. The figures depend on the machine and on what
 * else runs on it, and the server and the load generator share its cores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const frameworks = ['fastify', 'express'] as const;
const variants = ['bare', 'disabled', 'sync'] as const;
type Framework = (typeof frameworks)[number];
type Variant = (typeof variants)[number];

const variantLabels: Record<Variant, string> = {
  bare: 'without routeperf',
  disabled: 'routeperf enabled: false',
  sync: 'routeperf sync, SQLite file',
};

interface Settings {
  duration: number;
  warmup: number;
  connections: number;
}

/** The part of autocannon's `--json` result the table uses. */
interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface RouteperfStats {
  recorded: number;
  stored: number;
  dropped: number;
}

interface Measurement {
  framework: Framework;
  variant: Variant;
  load: LoadResult;
  stats: RouteperfStats | null;
}

const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url));
const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
    },
  });
  const positive = (name: keyof Settings, minimum: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < minimum) {
      console.error(`--${name}: expected a whole number of at least ${minimum}, got ${values[name]}`);
      process.exit(2);
    }
    return value;
  };
  return {
    duration: positive('duration', 1),
    warmup: positive('warmup', 0),
    connections: positive('connections', 1),
  };
}

/** Reads the JSON lines a server prints; resolves each with the first line that has `key`. */
function jsonLines(child: ChildProcess) {
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<string, (value: unknown) => void>();
  lines.on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    for (const [key, resolve] of waiting) if (key in message) resolve(message[key]);
  });
  return <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      waiting.set(key, resolve as (value: unknown) => void);
      child.once('close', (code) =>
        reject(new Error(`bench server exited with code ${code} before "${key}"`)),
      );
    });
}

async function runAutocannon(url: string, connections: number, duration: number): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    [autocannonCli, '--json', '--no-progress', '-c', String(connections), '-d', String(duration), url],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`autocannon exited with code ${code}`);
  return JSON.parse(output) as LoadResult;
}

async function measure(
  framework: Framework,
  variant: Variant,
  settings: Settings,
  dir: string,
): Promise<Measurement> {
  const args = [serverScript, framework, variant, join(dir, `${framework}.sqlite`)];
  const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const next = jsonLines(server);
  try {
    const url = `${await next<string>('url')}/`;
    if (settings.warmup > 0) await runAutocannon(url, settings.connections, settings.warmup);
    const load = await runAutocannon(url, settings.connections, settings.duration);
    const stats = next<RouteperfStats | null>('stats');
    server.kill('SIGTERM');
    return { framework, variant, load, stats: await stats };
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

/** Other work on the machine skews the figures; the load average tells the reader how much there was. */
function loadAverage(): string {
  const [one, five] = loadavg().map((load) => load.toFixed(2));
  return `${one} (1 min), ${five} (5 min)`;
}

function machine(): string {
  return [
    `date: ${new Date().toISOString()}`,
    `node: ${process.version} (${process.platform}/${process.arch})`,
    `cpu: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores`,
    `load average at start: ${loadAverage()}`,
  ].join('\n');
}

function table(measurements: Measurement[]): string {
  const bare = (framework: Framework) =>
    measurements.find((m) => m.framework === framework && m.variant === 'bare')!.load.requests.average;
  const header = [
    'framework',
    'variant',
    'req/s',
    'p50 ms',
    'p99 ms',
    'vs bare',
    'requests',
    'failed',
    'stored',
  ];
  const rows = measurements.map(({ framework, variant, load, stats }) => [
    framework,
    variantLabels[variant],
    load.requests.average.toFixed(0),
    String(load.latency.p50),
    String(load.latency.p99),
    (load.requests.average / bare(framework)).toFixed(2),
    String(load.requests.total),
    String(load.errors + load.timeouts + load.non2xx),
    stats ? `${stats.stored} (dropped ${stats.dropped})` : '-',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const numeric = (i: number) => i >= 2;
  const line = (cells: string[]) =>
    cells.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main() {
  const settings = readSettings();
  console.log(machine());
  console.log(
    `load: autocannon in its own process, ${settings.connections} connections over loopback, ` +
      `${settings.warmup} s warm-up then ${settings.duration} s measured, per variant\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-'));
  try {
    const measurements: Measurement[] = [];
    for (const framework of frameworks) {
      for (const variant of variants) {
        process.stderr.write(`measuring ${framework} / ${variantLabels[variant]} …\n`);
        measurements.push(await measure(framework, variant, settings, dir));
      }
    }
    console.log(`\n${table(measurements)}\n`);
    console.log(`load average at end: ${loadAverage()}`);
    console.log(
      'req/s: mean of per-second samples; p50/p99: latency in whole ms (autocannon resolution); ' +
        'vs bare: req/s ratio to the same framework without routeperf; failed: errors + timeouts + non-2xx; ' +
        'stored: requests routeperf wrote to SQLite during the run, warm-up included.\n' +
        'Indicative figures: the server and autocannon share the machine, and other work may run on it.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
