import { hostname } from 'node:os';
import { DEFAULT_RETRY, type RetryOptions } from '../config/retry.js';
import { isOutageCause } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeRecord, messageIdOf, type PoisonMessageError } from '../record/envelope.js';
import type { RequestMetrics } from '../record/metrics.js';
import { errorCause } from '../store/errors.js';
import type { FailureLog } from '../store/failures.js';
import type { IngestSummary } from '../store/sink.js';
import type { Store } from '../store/store.js';
import { OutageReport } from './outage-report.js';
import { retryDelay } from './retry.js';
import type { ReceivedMessage, Transport } from './transport.js';

const isOutage = (error: unknown) => isOutageCause(errorCause(error));

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
  /** Where messages that cannot be stored go. Default: the store's own failure store. */
  failures?: () => Promise<FailureLog>;
  logger?: Logger;
  /** Receives progress lines: per interval at verbosity 1, per batch at 2. */
  print?: (line: string) => void;
  verbosity?: 0 | 1 | 2;
  /**
   * Batches stored at the same time: with 2 (the default) the next batch is received and decoded while
   * the previous one commits. 1 stores strictly one batch after the other.
   */
  concurrency?: number;
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

/** Workers this process has started, to tell their ids apart. */
let workersStarted = 0;

/** Longest pause while the store or the transport is unavailable; the batch in hand waits for it. */
const MAX_OUTAGE_BACKOFF_MS = 30_000;

/**
 * The consume loop, the same for every transport: receive a batch, decode it (a message that cannot be
 * read goes to the failure store at once), store it in one transaction with deduplication by message id,
 * then acknowledge. A batch the store refuses is split to find the message at fault, which is retried
 * with the retry strategy and then moved to the failure store; the other messages are stored. An error
 * that is not one message's fault (see ErrorKind: the store unreachable, read-only, out of connections or
 * disk) fails nothing: the batch stays unacknowledged and is retried whole with backoff, and so is a
 * transport that cannot be reached, from the start on. Limits and stop() apply while it waits.
 */
export function startWorker(options: WorkerOptions): Worker {
  // Several workers of one process (one per transport) may start within the same millisecond.
  workersStarted += 1;
  const id = `${hostname()}-${process.pid}-${Date.now().toString(36)}-${workersStarted}`;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const batchSize = options.batchSize ?? 500;
  const sleep = options.sleep ?? 1000;
  const heartbeatInterval = options.heartbeatInterval ?? 5000;
  const concurrency = options.concurrency ?? 2;
  const print = options.print ?? (() => {});
  const verbosity = options.verbosity ?? 0;
  const { transport, store } = options;
  const startedAt = Date.now();
  const counts = { handled: 0, failed: 0, batches: 0, duplicates: 0 };
  let stopReason: StopReason | undefined;
  let lastBatchAt: number | null = null;
  let nextHeartbeatAt = 0;
  /** Whether a heartbeat has gone through: the store was usable once. */
  let beaten = false;
  let interval = { at: startedAt, handled: 0, batches: 0 };

  /** Pending pauses (retry delays, outage backoff); stop() cuts them short. */
  const pauses = new Set<() => void>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pauses.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pauses.add(done);
    });

  const log = (line: string) => options.logger?.error(`routeperf worker: ${line}`);
  const storeOutage = new OutageReport(`the store ${store.description}`, log);
  const transportOutage = new OutageReport(transport.description, log);
  /** A pause before the next attempt, cut short so that --time-limit is kept while waiting. */
  const backoff = (attempt: number) => {
    const left =
      options.timeLimit === undefined ? Number.POSITIVE_INFINITY : startedAt + options.timeLimit - Date.now();
    return Math.max(0, Math.min(MAX_OUTAGE_BACKOFF_MS, retryDelay(retry, attempt), left));
  };

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

  /** What one batch did, for its -vv line (batches overlap, so the worker's totals cannot tell). */
  interface Tally {
    handled: number;
    failed: number;
    duplicates: number;
  }

  /** A received message and how far the worker got with it, so that a retry after an outage redoes nothing. */
  interface Tracked {
    message: ReceivedMessage;
    /** Stored (or failed) and acknowledged. */
    done?: boolean;
    /** Already written to the failure store; only its acknowledgement is left. */
    failureRecorded?: boolean;
  }

  /** Moves a message to the failure store, then acknowledges it. */
  const fail = async (entry: Tracked, error: unknown, attempts: number, tally: Tally) => {
    if (!entry.failureRecorded) {
      const failures = await (options.failures?.() ?? store.failures());
      await failures.add([
        {
          messageId: messageIdOf(entry.message.body) ?? null,
          body: entry.message.body,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          transport: transport.description,
          attempts,
        },
      ]);
      entry.failureRecorded = true;
    }
    await acknowledge([entry]);
    counts.failed += 1;
    tally.failed += 1;
  };

  /**
   * Acknowledges handled messages. An acknowledgement that fails (the connection dropped after the commit)
   * is only logged: the broker delivers those messages again, and the ledger counts them once.
   */
  const acknowledge = async (entries: Tracked[]) => {
    try {
      await transport.ack(entries.map((entry) => entry.message));
    } catch (error) {
      options.logger?.warn(
        `routeperf worker: ${entries.length} handled message(s) not acknowledged; they will come again and count once: ${(error as Error).message}`,
      );
    }
    for (const entry of entries) entry.done = true;
  };

  type Entry = Tracked & { metrics: RequestMetrics };

  /**
   * Stores `group` or, when the store refuses it, isolates and fails the messages at fault. Entries are
   * marked done once stored (or failed) and acknowledged, so a retry after an outage skips them.
   * Throws only when the store is unreachable.
   */
  const storeGroup = async (group: Entry[], tally: Tally, attempt = 0): Promise<void> => {
    let summary: IngestSummary;
    const inTransaction = transport.acknowledgeInStore?.(group.map((entry) => entry.message));
    try {
      summary = await store.ingest(
        group.map((entry) => entry.metrics),
        { dedupe: transport.durable, inTransaction },
      );
    } catch (error) {
      if (isOutage(error)) throw error;
      if (group.length > 1) {
        const half = Math.ceil(group.length / 2);
        await storeGroup(group.slice(0, half), tally);
        await storeGroup(group.slice(half), tally);
        return;
      }
      const entry = group[0]!;
      const deliveries = entry.message.redeliveries + attempt + 1;
      if (stopReason) {
        // Shutting down: leave the message to the next worker rather than fail it early.
        await transport.release([entry.message]);
        entry.done = true;
        return;
      }
      if (attempt < retry.maxRetries) {
        options.logger?.warn(
          `routeperf worker: message failed (try ${deliveries}), retrying: ${(error as Error).message}`,
        );
        await wait(retryDelay(retry, attempt + 1));
        return storeGroup(group, tally, attempt + 1);
      }
      await fail(entry, error, deliveries, tally);
      return;
    }
    if (inTransaction) for (const entry of group) entry.done = true;
    else await acknowledge(group);
    counts.handled += group.length;
    counts.duplicates += summary.duplicates;
    tally.handled += group.length;
    tally.duplicates += summary.duplicates;
  };

  /** Fails the unreadable messages and stores the rest, retrying with backoff while the store is unreachable. */
  const handleBatch = async (messages: ReceivedMessage[]) => {
    const started = performance.now();
    const readable: Entry[] = [];
    const poison: (Tracked & { error: PoisonMessageError })[] = [];
    for (const message of messages) {
      try {
        readable.push({ message, metrics: decodeRecord(message.body) });
      } catch (error) {
        poison.push({ message, error: error as PoisonMessageError });
      }
    }
    const tally: Tally = { handled: 0, failed: 0, duplicates: 0 };
    for (let outage = 1; ; outage++) {
      try {
        for (const entry of poison.filter((entry) => !entry.done)) {
          await fail(entry, entry.error, entry.message.redeliveries + 1, tally);
        }
        // A message already in the failure store only lacks its acknowledgement.
        for (const entry of readable.filter((entry) => !entry.done && entry.failureRecorded)) {
          await fail(entry, undefined, 0, tally);
        }
        const left = readable.filter((entry) => !entry.done);
        if (left.length > 0) await storeGroup(left, tally);
        storeOutage.recovered();
        break;
      } catch (error) {
        if (!isOutage(error)) throw error;
        const left = [...poison, ...readable].filter((entry) => !entry.done).map((entry) => entry.message);
        checkLimits();
        if (stopReason) {
          await transport
            .release(left)
            .catch((error: unknown) =>
              options.logger?.warn(
                `routeperf worker: ${left.length} messages not released; they come again after the transport's redelivery timeout: ${(error as Error).message}`,
              ),
            );
          return;
        }
        const pause = backoff(outage);
        storeOutage.failed(error, pause, ` (keeping ${left.length} messages)`);
        await wait(pause);
      }
    }
    counts.batches += 1;
    lastBatchAt = Date.now();
    if (verbosity >= 2) {
      const ms = (performance.now() - started).toFixed(1);
      const { duplicates, handled, failed } = tally;
      print(
        `batch: received ${messages.length}, stored ${handled - duplicates} (${duplicates} duplicates) in ${ms} ms, failed ${failed}, acknowledged ${handled + failed}`,
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

  let setUp = false;
  /** The next batch; while the transport is unreachable, [] after a backoff instead of an error. */
  const receive = async (wanted: number): Promise<ReceivedMessage[]> => {
    try {
      if (!setUp) {
        await transport.setup();
        setUp = true;
      }
      const messages = await transport.receive(wanted, Math.min(sleep, heartbeatInterval));
      transportOutage.recovered();
      return messages;
    } catch (error) {
      if (!isOutage(error)) throw error;
      const pause = backoff(transportOutage.attempts + 1);
      transportOutage.failed(error, pause);
      await wait(pause);
      return [];
    }
  };

  const loop = async (): Promise<WorkerSummary> => {
    /** Batches being stored: the next batch is received while the previous one commits. */
    const inHand = new Set<Promise<void>>();
    let batchError: unknown;
    let received = 0;
    try {
      while (!stopReason && batchError === undefined) {
        if (Date.now() >= nextHeartbeatAt) {
          nextHeartbeatAt = Date.now() + heartbeatInterval;
          await heartbeat().then(
            () => {
              beaten = true;
              storeOutage.recovered();
            },
            (error: unknown) => {
              if (isOutage(error)) storeOutage.failed(error, heartbeatInterval);
              // A store that cannot be used at all (a failed migration, a bug) is better said at once.
              else if (!beaten) throw error;
              else options.logger?.warn(`routeperf worker: heartbeat failed: ${(error as Error).message}`);
            },
          );
        }
        checkLimits();
        const wanted = Math.min(
          batchSize,
          options.limit === undefined ? batchSize : options.limit - received,
        );
        if (stopReason || wanted <= 0) {
          await Promise.all(inHand);
          checkLimits();
          if (wanted <= 0) break;
          continue;
        }
        const messages = await receive(wanted);
        received += messages.length;
        if (messages.length > 0) {
          const batch = handleBatch(messages).catch((error: unknown) => {
            batchError ??= error;
          });
          inHand.add(batch);
          void batch.finally(() => inHand.delete(batch));
          if (inHand.size >= concurrency) await Promise.race(inHand);
        }
        await reportInterval();
        checkLimits();
      }
      await Promise.all(inHand);
      if (batchError !== undefined) throw batchError;
    } catch (error) {
      options.logger?.error(`routeperf worker stopped on an error: ${(error as Error).message}`);
      stopReason = 'error';
      throw error;
    } finally {
      await store
        .workers()
        .then((workers) => workers.stopped(id))
        .catch(() => {});
    }
    return {
      reason: stopReason ?? 'limit',
      handled: counts.handled,
      failed: counts.failed,
      batches: counts.batches,
    };
  };

  return {
    id,
    stop() {
      stopReason ??= 'stopped';
      for (const cut of [...pauses]) cut();
    },
    counts: () => ({ handled: counts.handled, failed: counts.failed, batches: counts.batches }),
    done: loop(),
  };
}
