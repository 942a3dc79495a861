import { hostname } from 'node:os';
import { DEFAULT_RETRY, type RetryOptions } from '../../config/retry.js';
import type { Logger } from '../../logger.js';
import type { FailureSink, Sink } from '../../store/sink.js';
import { Pauses } from '../pauses.js';
import type { Transport } from '../transport.js';
import { createBatchHandler } from './batch-handler.js';
import { HEARTBEAT_INTERVAL_MS, Heartbeat } from './heartbeat.js';
import { Limits } from './limits.js';
import { OutageReport } from './outage-report.js';
import { Printer } from './printer.js';
import { ReceiveLoop, type WorkerSummary } from './receive-loop.js';
import { Receiver } from './receiver.js';
import { RetryPolicy } from './retry-policy.js';
import { newProgress, StopState, type WorkerProgress } from './state.js';

export type { WorkerSummary } from './receive-loop.js';
export type { StopReason } from './state.js';

export interface WorkerOptions {
  transport: Transport;
  sink: Sink;
  /** Messages received and stored per batch. Default 500. */
  batchSize?: number;
  /** Longest wait (ms) for messages when the transport is empty. Default 1000. */
  sleep?: number;
  /** Stop after handling this many messages. */
  limit?: number;
  /** Stop after this many milliseconds. */
  timeLimit?: number;
  /** Stop once the process's resident memory exceeds this many bytes. */
  memoryLimit?: number;
  /** Stop after this many messages went to the failure store. */
  failureLimit?: number;
  retry?: Partial<RetryOptions>;
  /** Where messages that cannot be stored go. Default: the sink's own failure store. */
  failures?: () => Promise<FailureSink>;
  logger?: Logger;
  /** Receives progress lines: per interval at verbosity 1, per batch at 2. */
  print?: (line: string) => void;
  verbosity?: 0 | 1 | 2;
  /**
   * Batches stored at the same time: with 2 (the default) the next batch is received and decoded while
   * the previous one commits. 1 stores strictly one batch after the other.
   */
  concurrency?: number;
  /** Milliseconds between heartbeats (and checks of the stop-workers signal). Default HEARTBEAT_INTERVAL_MS. */
  heartbeatInterval?: number;
}

export interface Worker {
  readonly id: string;
  /** Stop receiving; the batch in hand is finished and acknowledged first. */
  stop(): void;
  /** Messages stored and failed so far. */
  counts(): { handled: number; failed: number; batches: number };
  readonly done: Promise<WorkerSummary>;
}

/** Workers this process has started, to tell their ids apart. */
let workersStarted = 0;

/**
 * The consume loop, the same for every transport, in the manner of Messenger's worker: a receive loop
 * (receive-loop.ts) hands each batch to the batch handler, which decodes it (a message that cannot be read
 * goes to the failure store at once), stores it in one transaction with deduplication by message id, then
 * acknowledges it. A batch the sink refuses is split to find the message at fault, which is retried with
 * the retry policy and then moved to the failure store. An outage of the sink or the transport fails
 * nothing: the batch in hand is retried whole with backoff. Limits and stop() apply while it waits.
 */
export function startWorker(options: WorkerOptions): Worker {
  // Several workers of one process (one per transport) may start within the same millisecond.
  workersStarted += 1;
  const id = `${hostname()}-${process.pid}-${Date.now().toString(36)}-${workersStarted}`;
  const progress = newProgress();
  const stop = new StopState();
  const pauses = new Pauses();
  const loop = assemble(options, { id, startedAt: Date.now(), progress, stop, pauses });
  return {
    id,
    stop() {
      stop.request('stopped');
      pauses.cutShort();
    },
    counts: () => ({ handled: progress.handled, failed: progress.failed, batches: progress.batches }),
    done: loop.run(),
  };
}

interface WorkerState {
  id: string;
  startedAt: number;
  progress: WorkerProgress;
  stop: StopState;
  pauses: Pauses;
}

/** Builds the parts of one worker; they share its progress, its stop state and its pauses. */
function assemble(options: WorkerOptions, state: WorkerState): ReceiveLoop {
  const { transport, sink, logger } = options;
  const { startedAt, progress, stop, pauses } = state;
  const log = (line: string) => logger?.error(`routeperf worker: ${line}`);
  const sinkOutage = new OutageReport(`the store ${sink.description}`, log);
  const deadline = options.timeLimit === undefined ? undefined : startedAt + options.timeLimit;
  const policy = new RetryPolicy({ ...DEFAULT_RETRY, ...options.retry }, deadline);
  const limits = new Limits(options, { progress, stop, startedAt });
  const shared = { sink, transport, logger, progress, stop, pauses, policy, limits, sinkOutage };
  const failureStore = () => options.failures?.() ?? sink.failures();
  const interval = options.heartbeatInterval ?? HEARTBEAT_INTERVAL_MS;
  const identity = {
    id: state.id,
    host: hostname(),
    pid: process.pid,
    transport: transport.description,
    startedAt,
  };
  return new ReceiveLoop({
    ...shared,
    batches: createBatchHandler({ ...shared, failureStore }),
    heartbeat: new Heartbeat({ ...shared, identity, interval }),
    receiver: new Receiver({
      ...shared,
      waitMs: Math.min(options.sleep ?? 1000, interval),
      transportOutage: new OutageReport(transport.description, log),
    }),
    printer: new Printer({
      ...shared,
      print: options.print ?? (() => {}),
      verbosity: options.verbosity ?? 0,
      stats: () => transport.stats(),
      startedAt,
    }),
    batchSize: options.batchSize ?? 500,
    concurrency: options.concurrency ?? 2,
  });
}
