/**
 * The timed phases of `npm run bench:ingest`: the app's Producer filling the transport, one worker
 * draining it into the store; and how the messages are cut into rounds.
 */
import { Producer } from '../../src/bus/producer.js';
import type { Transport } from '../../src/bus/transport.js';
import { startWorker } from '../../src/bus/worker/index.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import type { Store } from '../../src/store/store.js';
import type { Settings } from './ingest-settings.js';

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `promise`, or a rejection with `explain()` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, explain: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(explain())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Messages per second through the app's Producer: all dispatched at once (it only buffers), then timed
 * until the transport confirmed the last batch. The transport is set up first, as a running app's is.
 */
export async function produce(transport: Transport, metrics: RequestMetrics[], timeLimitMs: number) {
  await transport.setup();
  let sent = 0;
  let lastError: unknown;
  let allSent = () => {};
  const done = new Promise<void>((resolve) => {
    allSent = resolve;
  });
  const producer = new Producer({
    transport,
    bufferSize: metrics.length,
    overflow: 'drop',
    // Only close() stores directly, with what it could not send: nothing once all is sent.
    storeDirectly: async () => {},
    onDropped: () => {},
    onSent: (batch) => {
      sent += batch;
      if (sent >= metrics.length) allSent();
    },
    onSendError: (error) => {
      lastError = error;
    },
  });
  const started = performance.now();
  for (const m of metrics) producer.dispatch(m);
  try {
    await within(
      done,
      timeLimitMs,
      () =>
        `the transport took ${sent} of ${metrics.length} messages in ${timeLimitMs / 1000} s` +
        (lastError ? `; last send error: ${message(lastError)}` : ''),
    );
    return metrics.length / ((performance.now() - started) / 1000);
  } finally {
    await producer.close(0);
  }
}

/** One worker draining `n` messages into the store, as `routeperf consume --limit n` would. */
export async function consume(transport: Transport, store: Store, n: number, settings: Settings) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = startWorker({
    transport,
    sink: store,
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    limit: n,
    timeLimit: settings.timeLimitMs,
    logger: {
      info: () => {},
      warn: (line: string) => process.stderr.write(`  worker warning: ${line}\n`),
      error: (line: string) => process.stderr.write(`  worker error: ${line}\n`),
    },
  });
  const summary = await worker.done;
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (summary.reason !== 'limit') {
    throw new Error(
      `the worker stopped (${summary.reason}) after ${summary.handled} of ${n} messages, ${summary.failed} failed`,
    );
  }
  const { pending, inFlight } = await transport.stats();
  return {
    rate: n / (elapsedMs / 1000),
    cpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
    summary,
    left: pending + inFlight,
  };
}

/** The round's `n` messages, contiguous, the last round taking what is left. */
export function slices(metrics: RequestMetrics[], rounds: number): RequestMetrics[][] {
  const size = Math.floor(metrics.length / rounds);
  return Array.from({ length: rounds }, (_, round) =>
    metrics.slice(round * size, round === rounds - 1 ? metrics.length : (round + 1) * size),
  );
}

/** The phases of a round in turn: the worker first in round 0, then each raw method first in the next. */
export function rotated<T>(phases: readonly T[], round: number): T[] {
  const shift = round % phases.length;
  return [...phases.slice(shift), ...phases.slice(0, shift)];
}
