/**
 * One measurement of `bench/peers.ts`: a fresh app process for one case (bench/peers-server.mjs on the
 * built package), a warm-up then a measured autocannon run in a process of its own, then what the
 * variant recorded. Everything a measurement starts — the app, the async-redis worker, its Redis stream,
 * its SQLite files — is gone when it ends, whether it succeeded or not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { deleteRedisStream } from './brokers.js';
import { jsonLines, type LoadResult, runAutocannon } from './load.js';
import type { OtlpSink } from './otlp-sink.js';
import { type Case, otelVariants } from './peers-cases.js';
import { type Readings, scrape, type Verification, verify } from './peers-verify.js';
import { type RouteperfWorker, startRouteperfWorker } from './peers-worker.js';
import { currentLoad } from './report.js';

export interface MeasureContext {
  connections: number;
  warmup: number;
  duration: number;
  /** A temporary folder for SQLite files, deleted by the caller. */
  dir: string;
  sink: OtlpSink;
  redisUrl: string;
  postgresUrl: string;
}

export interface Measurement {
  load: LoadResult;
  /** Requests the route handled, warm-up included. */
  served: number;
  /** CPU time of the app process per request answered during the measured run (µs). */
  cpuPerRequest: number;
  /** async-redis: CPU time of the worker process per request served (µs). */
  workerCpuPerRequest?: number;
  verification: Verification;
  /** 1-minute load average when the measured run ended. */
  loadAverage: string;
}

const serverScript = fileURLToPath(new URL('../peers-server.mjs', import.meta.url));
const otelScript = fileURLToPath(new URL('../peers-otel.mjs', import.meta.url));

/** Processes and streams of measurements under way, for `abandonAll` when the bench is interrupted. */
const live = { processes: new Set<ChildProcess>(), streams: new Set<string>() };

export async function measure(c: Case, context: MeasureContext): Promise<Measurement> {
  const tag = randomBytes(4).toString('hex');
  const sqliteFile = join(context.dir, `${c.framework}-${c.workload}-${c.variant}-${tag}.sqlite`);
  const stream = `routeperf-bench-${tag}`;
  const transport = `${context.redisUrl}/${stream}`;
  let worker: RouteperfWorker | undefined;
  let server: ChildProcess | undefined;
  try {
    if (c.variant === 'async-redis') {
      live.streams.add(stream);
      worker = await startRouteperfWorker(sqliteFile, transport, context.dir);
      live.processes.add(worker.process);
    }
    context.sink.reset();
    server = startServer(c, context, [sqliteFile, transport]);
    live.processes.add(server);
    return await load(c, context, server, worker);
  } finally {
    for (const child of [server, worker?.process]) {
      if (!child) continue;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      live.processes.delete(child);
    }
    if (c.variant === 'async-redis') {
      await deleteRedisStream(context.redisUrl, stream).catch(() => {});
      live.streams.delete(stream);
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
  }
}

function startServer(c: Case, context: MeasureContext, [sqliteFile, transport]: string[]): ChildProcess {
  const otel = otelVariants.includes(c.variant);
  const args = [...(otel ? ['--import', otelScript] : []), serverScript, c.framework, c.workload, c.variant];
  if (c.variant !== 'bare') args.push(sqliteFile!, transport!);
  return spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ROUTEPERF_BENCH_POSTGRES: context.postgresUrl,
      ...(otel && {
        ROUTEPERF_BENCH_OTEL: c.variant === 'otel-traces' ? 'traces' : 'metrics',
        ROUTEPERF_BENCH_OTLP: context.sink.url,
      }),
    },
  });
}

/** Loads the app, stops it, and reads what its variant recorded. */
async function load(
  c: Case,
  context: MeasureContext,
  server: ChildProcess,
  worker: RouteperfWorker | undefined,
): Promise<Measurement> {
  const next = jsonLines(server);
  const signal = <T>(key: string) => {
    const answer = next<T>(key);
    server.kill('SIGUSR2');
    return within(answer, `the app to answer SIGUSR2 (${key})`);
  };
  const url = await next<string>('url');
  const target = `${url}/users/42`;
  if (context.warmup > 0) await runAutocannon(target, context.connections, context.warmup);
  await signal<number>('marked');
  const loadResult = await runAutocannon(target, context.connections, context.duration);
  const loadAverage = currentLoad();
  // Requests autocannon gave up on at its end may still be in the app: let them finish before reading.
  await delay(250);
  const measured = await signal<{ cpuMicros: number; requests: number }>('measured');
  const scraped = await scrape(c.variant, url);
  const final = next<Pick<Readings, 'served' | 'started' | 'stats'>>('final');
  server.kill('SIGTERM');
  const readings: Readings = { ...(await within(final, 'the app to stop')), scraped };
  const measurement = {
    load: loadResult,
    served: readings.served,
    cpuPerRequest: measured.cpuMicros / Math.max(1, measured.requests),
    loadAverage,
  };
  if (worker) {
    const drained = await worker.drain(readings.stats?.sent ?? readings.served);
    readings.workerStored = drained.stored;
    const workerCpuPerRequest = drained.cpuMicros / Math.max(1, readings.served);
    return { ...measurement, workerCpuPerRequest, verification: verify(c.variant, readings) };
  }
  if (c.variant === 'otel-traces') readings.exported = context.sink.counts('/users/:id').serverSpans;
  if (c.variant === 'otel-metrics') readings.exported = context.sink.counts('/users/:id').routeHistogramCount;
  return { ...measurement, verification: verify(c.variant, readings) };
}

/** An app that has not answered after this long hangs: the measurement fails rather than the bench. */
const STOP_TIMEOUT_MS = 60_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  const timeout = delay(STOP_TIMEOUT_MS, undefined, { ref: false }).then(() => {
    throw new Error(`waited ${STOP_TIMEOUT_MS / 1000} s for ${what}`);
  });
  return Promise.race([promise, timeout]);
}

/** Kills what measurements under way started and deletes their streams: for an interrupted bench. */
export async function abandonAll(redisUrl: string): Promise<void> {
  for (const child of live.processes) child.kill('SIGKILL');
  await Promise.all([...live.streams].map((stream) => deleteRedisStream(redisUrl, stream).catch(() => {})));
}
