/**
 * The routeperf worker of the async-redis variant of `bench/peers.ts`: the package's own CLI,
 * `routeperf consume --database sqlite:<file> redis://…/<stream>`, in a process of its own, as a user runs
 * it next to the app. bench/peers-worker-cpu.mjs, loaded into it, reports its CPU time on SIGUSR2, so the
 * bench can tell what storing the run's messages cost apart from the worker's start-up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openSqlite } from './plain-database.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const cpuScript = fileURLToPath(new URL('../peers-worker-cpu.mjs', import.meta.url));

/** A worker that stores nothing new for this long has drained what it will ever store. */
const IDLE_LIMIT_MS = 15_000;
const POLL_MS = 200;

export interface RouteperfWorker {
  readonly process: ChildProcess;
  /**
   * Waits until the store holds `expected` requests (or stops growing), then stops the worker. Resolves
   * to the requests the store holds, and the CPU time the worker used since it started consuming (µs).
   */
  drain(expected: number): Promise<{ stored: number; cpuMicros: number }>;
}

/** Starts the worker and resolves once it consumes, with its CPU time at that point as the baseline. */
export async function startRouteperfWorker(sqliteFile: string, transport: string, cwd: string) {
  const child = spawn(
    process.execPath,
    ['--import', cpuScript, cli, 'consume', '--database', `sqlite:${sqliteFile}`, transport],
    // cwd: a folder without a routeperf.config file, so that only the command line configures it.
    { cwd, stdio: ['ignore', 'pipe', 'inherit', 'pipe'] },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`routeperf worker exited (${code ?? signal})`))),
  );
  exited.catch(() => {});
  const cpuReadings = lines(child.stdio[3] as Readable);
  const output = lines(child.stdout!);
  const cpu = async () => {
    child.kill('SIGUSR2');
    return (JSON.parse(await Promise.race([cpuReadings(), exited])) as { cpuMicros: number }).cpuMicros;
  };
  // The CLI prints this line once its worker runs.
  while (!(await Promise.race([output(), exited])).startsWith('Consuming from')) {}
  const baseline = await cpu();
  const worker: RouteperfWorker = {
    process: child,
    async drain(expected) {
      const stored = await waitForStore(sqliteFile, expected, exited);
      const cpuMicros = (await cpu()) - baseline;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), delay(15_000)]);
      return { stored, cpuMicros };
    },
  };
  return worker;
}

/** Requests the store holds: the sum of its per-minute aggregates' counts, read as the bench's own reader. */
async function waitForStore(sqliteFile: string, expected: number, exited: Promise<never>): Promise<number> {
  const db = await openSqlite(sqliteFile);
  try {
    // Before the worker's first batch its tables may not exist yet: nothing stored.
    const stored = () =>
      db.number('select coalesce(sum("count"), 0) from "routeperf_aggregates"').catch(() => 0);
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const now = await Promise.race([stored(), exited]);
      if (now >= expected) return now;
      if (now !== last) [last, lastChange] = [now, Date.now()];
      else if (Date.now() - lastChange > IDLE_LIMIT_MS) return now;
      await delay(POLL_MS);
    }
  } finally {
    await db.close();
  }
}

/** The lines of a stream, one per call, in order. */
function lines(stream: Readable): () => Promise<string> {
  const ready: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: stream }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else ready.push(line);
  });
  return () =>
    ready.length > 0 ? Promise.resolve(ready.shift()!) : new Promise((resolve) => waiting.push(resolve));
}
