import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AlertLoop, openAlertEvaluator } from '../alerts/index.js';
import type { Transport } from '../bus/transport.js';
import { retryFor } from '../bus/transports/index.js';
import { HEARTBEAT_INTERVAL_MS } from '../bus/worker/heartbeat.js';
import { startWorker, type Worker, type WorkerSummary } from '../bus/worker/index.js';
import { describeCause } from '../errors.js';
import { formatCount, plural } from '../routeperf/count-text.js';
import { internalsOf, type RouteperfInternals } from '../routeperf/internals.js';
import { openConfiguredTransport } from '../routeperf/transports.js';
import type { Routeperf } from '../routeperf.js';
import { EXIT_FAILURE, EXIT_OK } from './exit.js';
import { onTransport } from './transports.js';

export interface ConsumeOptions {
  limit?: number;
  timeLimit?: number;
  memoryLimit?: number;
  /** --memory-limit as the user wrote it, for messages. */
  memoryLimitText?: string;
  failureLimit?: number;
  sleep: number;
  batchSize: number;
  verbosity: 0 | 1 | 2;
}

/** How one worker ended: its summary, or the error that stopped it with what it had done by then. */
type Outcome = { worker: Worker; transport: Transport } & (
  | { failed: false; summary: WorkerSummary }
  | { failed: true; error: unknown; counts: ReturnType<Worker['counts']> }
);

const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Runs one worker per transport until each stops (a limit, a signal, stop-workers, an error), then closes
 * the transports. Resolves to the exit code: 1 when a worker failed, else 0.
 */
export async function consumeTransports(
  handle: Routeperf,
  dsns: readonly string[],
  options: ConsumeOptions,
): Promise<number> {
  const routeperf = internalsOf(handle);
  const transports = await openAll(dsns, routeperf);
  try {
    const several = transports.length > 1;
    const workers = transports.map((transport, i) =>
      startWorker({
        transport,
        sink: routeperf.store,
        batchSize: options.batchSize,
        sleep: options.sleep,
        limit: options.limit,
        timeLimit: options.timeLimit,
        memoryLimit: options.memoryLimit,
        failureLimit: options.failureLimit,
        retry: retryFor(routeperf.config, dsns[i]!),
        failures: routeperf.failures,
        logger: routeperf.config.logger,
        verbosity: options.verbosity,
        print: several ? (line) => out(`${transport.description}: ${line}`) : out,
        heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      }),
    );
    let stopCause: string | undefined;
    const stopAll = (cause: string) => {
      stopCause ??= cause;
      for (const worker of workers) worker.stop();
    };
    const stopListening = onStopSignals(stopAll);
    const alerts = startAlerts(handle);
    // Only now: a test or a supervisor that reads this line may signal at once.
    out(startLine(transports, options));
    try {
      const outcomes = await Promise.all(
        workers.map(
          (worker, i): Promise<Outcome> =>
            worker.done.then(
              (summary) => ({ worker, transport: transports[i]!, failed: false, summary }),
              (error: unknown) => {
                stopAll('another worker stopped on an error');
                return { worker, transport: transports[i]!, failed: true, error, counts: worker.counts() };
              },
            ),
        ),
      );
      for (const outcome of outcomes) out(stopLine(outcome, options, stopCause, several));
      return outcomes.some((outcome) => outcome.failed) ? EXIT_FAILURE : EXIT_OK;
    } finally {
      stopListening();
      await alerts?.stop();
    }
  } finally {
    await Promise.allSettled(transports.map((transport) => transport.close()));
  }
}

/**
 * The alert rules judged beside the workers, when there are rules: by one worker process at a time, the
 * one holding the store's lease.
 */
function startAlerts(routeperf: Routeperf): AlertLoop | undefined {
  const { config } = routeperf;
  if (config.alerts.length === 0) return undefined;
  const loop = new AlertLoop({
    open: () => openAlertEvaluator(routeperf),
    interval: config.alertInterval,
    holder: `${hostname()}:${process.pid}:${randomUUID()}`,
    logger: config.logger,
  });
  loop.start();
  return loop;
}

/**
 * Opens every transport before any worker starts, so that a wrong DSN fails at once. Opening connects to
 * nothing: a database or broker that is down when the workers start is waited for, as during an outage
 * later (a supervisor gives up on a worker that keeps exiting at once, as it would all through a deploy).
 */
async function openAll(dsns: readonly string[], routeperf: RouteperfInternals): Promise<Transport[]> {
  const opened: Transport[] = [];
  try {
    for (const dsn of dsns) {
      opened.push(await onTransport(dsn, 'open', () => openConfiguredTransport(dsn, routeperf.config)));
    }
    return opened;
  } catch (error) {
    await Promise.allSettled(opened.map((transport) => transport.close()));
    throw error;
  }
}

/**
 * SIGTERM and SIGINT stop every worker after the batch in hand. A second signal exits at once: what was
 * in hand is not acknowledged, so the transport delivers it again and deduplication keeps the counts right.
 */
function onStopSignals(stop: (cause: string) => void): () => void {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(
        `routeperf consume: ${signal} again, exiting without finishing the batch in hand (its messages will be delivered again)\n`,
      );
      process.exit(EXIT_FAILURE);
    }
    received = signal;
    stop(`received ${signal}`);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

function startLine(transports: readonly Transport[], options: ConsumeOptions): string {
  const limits = [
    options.limit !== undefined && plural(options.limit, 'message'),
    options.timeLimit !== undefined && `${seconds(options.timeLimit)} s`,
    options.memoryLimitText !== undefined && `${options.memoryLimitText} of memory`,
    options.failureLimit !== undefined && plural(options.failureLimit, 'failed message'),
  ].filter(Boolean);
  const from = transports.map((transport) => transport.description).join(' and ');
  const until = limits.length ? ` (stops at ${limits.join(', ')})` : '';
  return `Consuming from ${from}, batch size ${formatCount(options.batchSize)}${until}. Quit with Ctrl-C.`;
}

function stopLine(outcome: Outcome, options: ConsumeOptions, cause: string | undefined, several: boolean) {
  const counts = outcome.failed ? outcome.counts : outcome.summary;
  const why = outcome.failed
    ? `error: ${describeCause(outcome.error)}`
    : stopReason(outcome.summary, options, cause);
  const done = `${plural(counts.handled, 'message')} stored, ${formatCount(counts.failed)} failed, in ${formatCount(counts.batches)} ${counts.batches === 1 ? 'batch' : 'batches'}`;
  return `Stopped${several ? ` ${outcome.transport.description}` : ''}: ${why}. ${done}.`;
}

function stopReason(summary: WorkerSummary, options: ConsumeOptions, cause: string | undefined): string {
  switch (summary.reason) {
    case 'limit':
      return `limit of ${plural(options.limit ?? 0, 'message')} reached`;
    case 'time-limit':
      return `time limit of ${seconds(options.timeLimit ?? 0)} s reached`;
    case 'memory-limit':
      return `memory limit of ${options.memoryLimitText} reached (${mebibytes(process.memoryUsage.rss())} in use)`;
    case 'failure-limit':
      return `failure limit of ${plural(options.failureLimit ?? 0, 'failed message')} reached`;
    case 'stop-workers':
      return 'stop-workers was run';
    case 'stopped':
      return cause ?? 'stopped';
    case 'error':
      return 'error';
  }
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)}M`;
}
