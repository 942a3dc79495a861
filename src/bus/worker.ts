import { hostname } from 'node:os';
import type { Logger } from '../config/schema.js';
import type { RequestMetrics } from '../core/metrics.js';
import { isUnreachable } from '../store/errors.js';
import type { Store } from '../store/store.js';
import { decodeRecord, messageIdOf, type PoisonMessageError } from './envelope.js';
import { DEFAULT_RETRY, type RetryOptions, retryDelay } from './retry.js';
import type { ReceivedMessage, Transport } from './transport.js';

export interface WorkerOptions {
  transport: Transport;
  store: Store;
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
  logger?: Logger;
  /** Receives progress lines: per interval at verbosity 1, per batch at 2. */
  print?: (line: string) => void;
  verbosity?: 0 | 1 | 2;
  /** Milliseconds between heartbeats (and checks of the stop-workers signal). Default 5000. */
  heartbeatInterval?: number;
}

export type StopReason =
  | 'stopped'
  | 'limit'
  | 'time-limit'
  | 'memory-limit'
  | 'failure-limit'
  | 'stop-workers'
  | 'error';

export interface WorkerSummary {
  reason: StopReason;
  handled: number;
  failed: number;
  batches: number;
}

export interface Worker {
  readonly id: string;
  /** Stop receiving; the batch in hand is finished and acknowledged first. */
  stop(): void;
  /** Messages stored and failed so far. */
  counts(): { handled: number; failed: number; batches: number };
  readonly done: Promise<WorkerSummary>;
}

/** Longest pause while the store is unreachable; the batch in hand is retried until it comes back. */
const MAX_OUTAGE_BACKOFF_MS = 30_000;

/**
 * The consume loop, the same for every transport: receive a batch, decode it (a message that cannot be
 * read goes to the failure store at once), store it in one transaction with deduplication by message id,
 * then acknowledge. A batch the store refuses is split to find the message at fault, which is retried
 * with the retry strategy and then moved to the failure store; the other messages are stored. While the
 * store is unreachable the batch stays unacknowledged and is retried with backoff.
 */
export function startWorker(options: WorkerOptions): Worker {
  const id = `${hostname()}-${process.pid}-${Date.now().toString(36)}`;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const batchSize = options.batchSize ?? 500;
  const sleep = options.sleep ?? 1000;
  const heartbeatInterval = options.heartbeatInterval ?? 5000;
  const print = options.print ?? (() => {});
  const verbosity = options.verbosity ?? 0;
  const { transport, store } = options;
  const startedAt = Date.now();
  const counts = { handled: 0, failed: 0, batches: 0, duplicates: 0 };
  let stopReason: StopReason | undefined;
  let lastBatchAt: number | null = null;
  let nextHeartbeatAt = 0;
  let interval = { at: startedAt, handled: 0, batches: 0 };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stopWaiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let stopWaiting = () => {};

  const heartbeat = async () => {
    const workers = await store.workers();
    await workers.beat({
      id,
      host: hostname(),
      pid: process.pid,
      transport: transport.description,
      startedAt,
      lastBatchAt,
      ...counts,
    });
    if ((await workers.stopRequestedAt()) >= startedAt) stopReason ??= 'stop-workers';
  };

  const checkLimits = () => {
    if (options.limit !== undefined && counts.handled + counts.failed >= options.limit)
      stopReason ??= 'limit';
    if (options.timeLimit !== undefined && Date.now() - startedAt >= options.timeLimit)
      stopReason ??= 'time-limit';
    if (options.memoryLimit !== undefined && process.memoryUsage.rss() > options.memoryLimit)
      stopReason ??= 'memory-limit';
    if (options.failureLimit !== undefined && counts.failed >= options.failureLimit)
      stopReason ??= 'failure-limit';
  };

  const fail = async (messages: readonly ReceivedMessage[], error: unknown, attempts: number) => {
    const failures = await store.failures();
    await failures.add(
      messages.map((message) => ({
        messageId: messageIdOf(message.body) ?? null,
        body: message.body,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        transport: transport.description,
        attempts,
      })),
    );
    await transport.ack(messages);
    counts.failed += messages.length;
  };

  /** Stores `group` or, when the store refuses it, isolates and fails the messages at fault. */
  const storeGroup = async (
    group: { message: ReceivedMessage; metrics: RequestMetrics }[],
    attempt = 0,
  ): Promise<void> => {
    try {
      const messages = group.map((entry) => entry.message);
      const inTransaction = transport.acknowledgeInStore?.(messages);
      const summary = await store.ingest(
        group.map((entry) => entry.metrics),
        { dedupe: transport.durable, inTransaction },
      );
      if (!inTransaction) await transport.ack(messages);
      counts.handled += group.length;
      counts.duplicates += summary.duplicates;
    } catch (error) {
      if (isUnreachable(error)) throw error;
      if (group.length > 1) {
        const half = Math.ceil(group.length / 2);
        await storeGroup(group.slice(0, half));
        await storeGroup(group.slice(half));
        return;
      }
      const deliveries = group[0]!.message.redeliveries + attempt + 1;
      if (stopReason) {
        // Shutting down: leave the message to the next worker rather than fail it early.
        await transport.release([group[0]!.message]);
        return;
      }
      if (attempt < retry.maxRetries) {
        options.logger?.warn(
          `routeperf worker: message failed (try ${deliveries}), retrying: ${(error as Error).message}`,
        );
        await wait(retryDelay(retry, attempt + 1));
        return storeGroup(group, attempt + 1);
      }
      await fail([group[0]!.message], error, deliveries);
    }
  };

  const handleBatch = async (messages: ReceivedMessage[]) => {
    const started = performance.now();
    const readable: { message: ReceivedMessage; metrics: RequestMetrics }[] = [];
    const poison: { message: ReceivedMessage; error: PoisonMessageError }[] = [];
    for (const message of messages) {
      try {
        readable.push({ message, metrics: decodeRecord(message.body) });
      } catch (error) {
        poison.push({ message, error: error as PoisonMessageError });
      }
    }
    const before = { failed: counts.failed, handled: counts.handled, duplicates: counts.duplicates };
    for (const { message, error } of poison) await fail([message], error, message.redeliveries + 1);
    for (let outage = 1; ; outage++) {
      try {
        if (readable.length > 0) await storeGroup(readable);
        break;
      } catch (error) {
        options.logger?.error(
          `routeperf worker: the store is unreachable, keeping ${readable.length} messages and retrying: ${(error as Error).message}`,
        );
        if (stopReason) {
          await transport.release(readable.map((entry) => entry.message));
          return;
        }
        await wait(Math.min(MAX_OUTAGE_BACKOFF_MS, retryDelay(retry, outage)));
      }
    }
    counts.batches += 1;
    lastBatchAt = Date.now();
    if (verbosity >= 2) {
      const ms = (performance.now() - started).toFixed(1);
      const duplicates = counts.duplicates - before.duplicates;
      print(
        `batch: received ${messages.length}, stored ${counts.handled - before.handled - duplicates} (${duplicates} duplicates) in ${ms} ms, failed ${counts.failed - before.failed}, acknowledged ${counts.handled - before.handled + counts.failed - before.failed}`,
      );
    }
  };

  const reportInterval = async () => {
    if (verbosity < 1) return;
    const now = Date.now();
    if (now - interval.at < 10_000) return;
    const seconds = (now - interval.at) / 1000;
    const { pending } = await transport.stats().catch(() => ({ pending: Number.NaN }));
    print(
      `${((counts.handled - interval.handled) / seconds).toFixed(0)} messages/s, ${counts.batches - interval.batches} batches, lag ${pending} messages, ${counts.failed} failed`,
    );
    interval = { at: now, handled: counts.handled, batches: counts.batches };
  };

  const loop = async (): Promise<WorkerSummary> => {
    await transport.setup();
    try {
      while (!stopReason) {
        if (Date.now() >= nextHeartbeatAt) {
          nextHeartbeatAt = Date.now() + heartbeatInterval;
          await heartbeat().catch((error) =>
            options.logger?.warn(`routeperf worker: heartbeat failed: ${error.message}`),
          );
        }
        checkLimits();
        if (stopReason) break;
        const remaining =
          options.limit === undefined ? batchSize : options.limit - counts.handled - counts.failed;
        const messages = await transport.receive(
          Math.min(batchSize, remaining),
          Math.min(sleep, heartbeatInterval),
        );
        if (messages.length > 0) await handleBatch(messages);
        await reportInterval();
        checkLimits();
      }
    } catch (error) {
      options.logger?.error(`routeperf worker stopped on an error: ${(error as Error).message}`);
      stopReason = 'error';
      throw error;
    } finally {
      await (await store.workers()).stopped(id).catch(() => {});
    }
    return { reason: stopReason, handled: counts.handled, failed: counts.failed, batches: counts.batches };
  };

  return {
    id,
    stop() {
      stopReason ??= 'stopped';
      stopWaiting();
    },
    counts: () => ({ handled: counts.handled, failed: counts.failed, batches: counts.batches }),
    done: loop(),
  };
}
