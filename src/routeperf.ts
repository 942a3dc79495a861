import { Producer } from './bus/producer.js';
import type { Transport } from './bus/transport.js';
import {
  isSyncDsn,
  missingClientPackage,
  openTransport,
  recordTransportDsn,
  retryFor,
} from './bus/transports/index.js';
import { MemoryTransport } from './bus/transports/memory/index.js';
import { startWorker, type Worker } from './bus/worker.js';
import { unrecordedEnvironment, warnOnce } from './config/environments.js';
import { resolveConfig } from './config/load.js';
import type { RecordResult, ResolvedConfig, RouteperfOptions } from './config/types.js';
import { GroupCommit } from './core/group-commit.js';
import { Recorder } from './core/recorder.js';
import { dsnsOf, redactDsn, withoutSecrets } from './dsn.js';
import { isOutageCause } from './errors.js';
import { rateLimitedErrorLog } from './logger.js';
import { type RequestMetrics, UNMATCHED_ROUTE } from './record/metrics.js';
import type { FailureLog } from './store/failures.js';
import { Store, type StoreOptions } from './store/store.js';

export interface RouteperfStats {
  /** Requests accepted for recording (after environment, sampling, ignore rules and hooks). */
  recorded: number;
  /** Requests whose metrics this process wrote to the database (directly, or through an in-process worker). */
  stored: number;
  /** Requests whose metrics could not be stored or were dropped by the 'drop' overflow (each logged). */
  dropped: number;
  /** Messages handed to a durable transport, for a worker to store. */
  sent: number;
  /** Messages waiting in this process to be sent or stored. */
  queued: number;
}

/** How this process records, once configuration and installed packages are taken into account. */
export interface RecordingMode {
  /** True when responses never wait for storage. */
  async: boolean;
  /** The transport used in async mode (password redacted). */
  transport?: string;
  /** Why async mode was asked for but is not in effect. */
  fallback?: string;
}

/** One configured routeperf: what adapters, the CLI and apps use. */
export interface Routeperf {
  readonly config: ResolvedConfig;
  readonly recorder: Recorder;
  readonly store: Store;
  readonly mode: RecordingMode;
  /** The failure store (`failureTransport`): the store's own database by default, or another SQL database. */
  failures(): Promise<FailureLog>;
  stats(): RouteperfStats;
  /** Sends or stores what is pending, waits for writes in flight, then releases every connection. */
  close(): Promise<void>;
}

export interface CreateOptions {
  /** CLI flags: they win over the other sources. */
  cli?: RouteperfOptions;
  /** The stores only read (the CLI's reports): they create no file, table or migration. */
  readOnly?: boolean;
}

/** The Store settings a configuration gives. */
export function storeOptionsOf(
  config: ResolvedConfig,
  onBackgroundError: (error: unknown) => void,
): StoreOptions {
  return {
    database: config.database,
    tablePrefix: config.tablePrefix,
    environment: config.environment,
    autoSetup: config.autoSetup,
    maxRoutes: config.maxRoutes,
    accessRecords: config.accessRecords,
    dedupWindow: config.dedupWindow,
    onBackgroundError,
  };
}

/**
 * Resolves and validates the configuration (defaults, config file, `options`, CLI flags, overrides) and
 * wires the recorder to the store, directly (synchronous mode) or through a transport (asynchronous
 * mode). It opens no connection: the database and the broker are reached on first use.
 */
export async function createRouteperf(
  options: RouteperfOptions = {},
  create: CreateOptions = {},
): Promise<Routeperf> {
  const resolved = await resolveConfig({ explicit: options, cli: create.cli ?? {} });
  const unrecorded = unrecordedEnvironment(resolved);
  // Once per logger the app passed in: the wrapper below is new on every call.
  if (unrecorded) warnOnce(resolved.logger, unrecorded);
  const config = { ...resolved, logger: withoutSecrets(resolved.logger, dsnsOf(resolved)) };
  const logError = rateLimitedErrorLog(config.logger);
  const counters = { recorded: 0, stored: 0, dropped: 0, sent: 0 };
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const storeOptions = {
    ...storeOptionsOf(config, (error) =>
      logError('store-background', 'routeperf database connection error', error),
    ),
    readOnly: create.readOnly,
  };
  const store = new Store(storeOptions);

  // Failed messages go to the store's database unless `failureTransport` names another one.
  const failureStore =
    config.failureTransport === 'database://default'
      ? store
      : new Store({ ...storeOptions, database: config.failureTransport });
  const failures = () => failureStore.failures();

  const afterRecord = (result: RecordResult) => {
    if (!config.afterRecord) return;
    try {
      Promise.resolve(config.afterRecord(result)).catch((error) =>
        logError('afterRecord', 'afterRecord hook failed', error),
      );
    } catch (error) {
      logError('afterRecord', 'afterRecord hook failed', error);
    }
  };

  const groupCommit = new GroupCommit(
    (batch) => store.ingest(batch),
    (error) => isOutageCause(store.causeOf(error)),
  );
  const closedOutcome = { stored: false, error: new Error('routeperf was closed') } as const;

  /** Writes one request's metrics to the store; settles once stored or failed, never rejects. */
  const storeDirectly = (metrics: RequestMetrics): Promise<void> => {
    const outcome = closed ? Promise.resolve(closedOutcome) : groupCommit.submit(metrics);
    const write = outcome.then((outcome) => {
      if (outcome.stored) counters.stored += 1;
      else {
        counters.dropped += 1;
        logError(
          'store',
          `could not store request metrics in ${store.description}; the request was counted as dropped`,
          outcome.error,
        );
      }
      afterRecord({ metrics, ...outcome });
    });
    inFlight.add(write);
    write.finally(() => inFlight.delete(write));
    return write;
  };

  /**
   * The producer's direct writes (the 'store' overflow, and what close() could not send) while fewer than
   * `limit` wait. Past it the database is not keeping up, and holding every request's metrics for it
   * would make the app's memory grow with its traffic: the request is dropped and counted instead.
   */
  const storeUnlessBacklogged = (metrics: RequestMetrics, limit: number): Promise<void> => {
    if (inFlight.size < limit) return storeDirectly(metrics);
    counters.dropped += 1;
    logError(
      'overflow',
      `the database is not keeping up (${limit} direct writes waiting); request metrics dropped`,
    );
    return Promise.resolve();
  };

  /** Synchronous mode: the response waits for the commit that holds its metrics, at most `syncTimeout`. */
  const storeBeforeResponse = (metrics: RequestMetrics): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, config.syncTimeout);
      timer.unref();
    });
    return Promise.race([storeDirectly(metrics), budget]).finally(() => clearTimeout(timer));
  };

  const mode = await recordingMode(config);
  let producer: Producer | undefined;
  let transport: Transport | undefined;
  let inProcessWorker: Worker | undefined;
  /** Messages an in-process worker could not store before close() gave up on them. */
  let abandoned = 0;
  let sink: (metrics: RequestMetrics) => Promise<void> | undefined = storeBeforeResponse;

  if (mode.async && mode.transport === 'sync://') {
    sink = (metrics) => {
      void storeDirectly(metrics);
      return undefined;
    };
  } else if (mode.async) {
    const dsn = recordTransportDsn(config);
    transport = await openTransport(dsn, {
      database: config.database,
      tablePrefix: config.tablePrefix,
      consumerName: `producer-${process.pid}`,
      onBackgroundError: (error) =>
        logError('transport-background', `routeperf transport ${mode.transport} error`, error),
    });
    const inProcess = transport instanceof MemoryTransport ? transport : undefined;
    const bufferSize = inProcess ? inProcess.maxQueue : config.bufferSize;
    producer = new Producer({
      transport,
      bufferSize,
      ...(inProcess ? { heldByTransport: () => inProcess.held } : {}),
      overflow: config.overflow,
      storeDirectly: (batch) =>
        Promise.all(batch.map((metrics) => storeUnlessBacklogged(metrics, bufferSize))).then(() => undefined),
      onDropped: (count) => {
        counters.dropped += count;
        logError('overflow', `routeperf's buffer is full; ${count} request(s) dropped (overflow: 'drop')`);
      },
      onSent: (count) => {
        counters.sent += count;
      },
      onSendError: (error) =>
        logError('send', `could not send metrics to ${mode.transport}; keeping them and retrying`, error),
    });
    if (transport instanceof MemoryTransport) {
      inProcessWorker = startWorker({
        transport,
        store,
        batchSize: transport.batchSize,
        sleep: transport.flushInterval,
        retry: retryFor(config, dsn),
        logger: config.logger,
        failures,
      });
      // A worker that stops on an error has logged it, and close() counts what it left as dropped; its
      // rejection must not reach the app as an unhandled one.
      inProcessWorker.done.catch(() => {});
    }
    const activeProducer = producer;
    sink = (metrics) => {
      activeProducer.dispatch(metrics);
      return undefined;
    };
  }

  const recorder = new Recorder(
    config,
    sink,
    !mode.async,
    (hook, error) => logError(hook, `${hook} hook failed; ${HOOK_FAILURE_OUTCOME[hook]}`, error),
    () => {
      counters.recorded += 1;
    },
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const signal of EXIT_SIGNALS) process.off(signal, flushOnSignal);
      await producer?.close();
      if (inProcessWorker && transport instanceof MemoryTransport) {
        await waitUntilDrained(transport, CLOSE_DEADLINE_MS);
        inProcessWorker.stop();
        await inProcessWorker.done.catch(() => {});
        const { pending, inFlight } = await transport.stats();
        if (pending + inFlight > 0) {
          abandoned = pending + inFlight;
          counters.dropped += abandoned;
          logError(
            'close',
            `routeperf closed with ${abandoned} request(s) not stored: the database did not take them in time`,
          );
        }
      }
      await transport?.close();
      closed = true;
      await Promise.allSettled([...inFlight]);
      await store.close();
      if (failureStore !== store) await failureStore.close();
    })();
    return closing;
  };

  /**
   * In async mode, SIGTERM and SIGINT first send or store what the app still holds. When the app has no
   * handler of its own for the signal, it is raised again afterwards, so the process ends as it would have.
   */
  function flushOnSignal(signal: NodeJS.Signals) {
    // Counted now: an app's own `once` handler is removed as it runs, before close() settles.
    const appHandlesIt = process.listenerCount(signal) > 0;
    void close().finally(() => {
      if (!appHandlesIt) process.kill(process.pid, signal);
    });
  }
  if (producer) for (const signal of EXIT_SIGNALS) process.once(signal, flushOnSignal);

  return {
    config,
    recorder,
    store,
    mode,
    failures,
    stats: () => {
      const worker = inProcessWorker?.counts();
      return {
        ...counters,
        stored: counters.stored + (worker?.handled ?? 0),
        sent: inProcessWorker ? 0 : counters.sent,
        queued:
          (producer?.queued ?? 0) +
          inFlight.size +
          (worker ? counters.sent - worker.handled - worker.failed - abandoned : 0),
      };
    },
    close,
  };
}

const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** What becomes of a request when one of the app's hooks throws, as the Recorder handles it. */
const HOOK_FAILURE_OUTCOME: Record<string, string> = {
  routeOf: `the request is recorded under the route "${UNMATCHED_ROUTE}"`,
  getUser: 'the request is recorded without a user id',
  beforeRecord: 'the request is recorded, with whatever changes the hook made to the metrics before it threw',
};

/** Longest close() waits for an in-process worker to store what is queued. */
const CLOSE_DEADLINE_MS = 10_000;

/** Waits until the in-process worker has stored every queued message, or the deadline passes. */
async function waitUntilDrained(transport: MemoryTransport, deadlineMs: number) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const { pending, inFlight } = await transport.stats();
    if (pending === 0 && inFlight === 0) return;
    await transport.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Async mode when asked for and possible. A transport whose client library is not installed falls back to
 * synchronous recording with one warning that names the package to install, and no error.
 */
async function recordingMode(config: ResolvedConfig): Promise<RecordingMode> {
  if (!config.async) return { async: false };
  const dsn = recordTransportDsn(config);
  if (isSyncDsn(dsn)) return { async: true, transport: 'sync://' };
  const missing = await missingClientPackage(dsn, config);
  if (missing === undefined) return { async: true, transport: redactDsn(dsn) };
  const fallback = `async: true needs the "${missing}" package for transport ${redactDsn(dsn)}, and it is not installed; recording synchronously instead. Run: npm install ${missing}`;
  try {
    config.logger.warn(fallback);
  } catch {
    // A broken logger must not stop the app from starting.
  }
  return { async: false, fallback };
}
