import { resolveConfig } from '../config/load.js';
import type { RecordResult, ResolvedConfig, RouteperfOptions } from '../config/types.js';
import { isUnreachable } from '../store/errors.js';
import { Store } from '../store/store.js';
import { GroupCommit } from './group-commit.js';
import { rateLimitedErrorLog } from './log.js';
import type { RequestMetrics } from './metrics.js';
import { Recorder } from './recorder.js';

export interface RouteperfStats {
  /** Requests accepted for recording (after environment, sampling, ignore rules and hooks). */
  recorded: number;
  /** Requests whose metrics are in the database. */
  stored: number;
  /** Requests whose metrics could not be stored (the error was logged). */
  dropped: number;
}

/** One configured routeperf: what adapters, the CLI and apps use. */
export interface Routeperf {
  readonly config: ResolvedConfig;
  readonly recorder: Recorder;
  readonly store: Store;
  stats(): RouteperfStats;
  /** Waits for writes in flight, then releases the database connections. */
  close(): Promise<void>;
}

export interface CreateOptions {
  /** CLI flags: they win over the other sources. */
  cli?: RouteperfOptions;
}

/**
 * Resolves and validates the configuration (defaults, config file, `options`, CLI flags, overrides) and
 * wires the recorder to the store. It opens no connection: the database is reached on first use.
 */
export async function createRouteperf(
  options: RouteperfOptions = {},
  create: CreateOptions = {},
): Promise<Routeperf> {
  const config = await resolveConfig({ explicit: options, cli: create.cli ?? {} });
  const logError = rateLimitedErrorLog(config.logger);
  const counters: RouteperfStats = { recorded: 0, stored: 0, dropped: 0 };
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const store = new Store({
    database: config.database,
    tablePrefix: config.tablePrefix,
    environment: config.environment,
    autoSetup: config.autoSetup,
    maxRoutes: config.maxRoutes,
    accessRecords: config.accessRecords,
    onBackgroundError: (error) => logError('store-background', 'routeperf database connection error', error),
  });

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

  const groupCommit = new GroupCommit((batch) => store.ingest(batch), isUnreachable);
  const closedOutcome = { stored: false, error: new Error('routeperf was closed') } as const;

  /**
   * Synchronous mode: the request waits for the commit that holds its metrics, but never longer than
   * `syncTimeout`, and never sees an error. Once closed, requests still being served are dropped rather
   * than reopen the connections close() released.
   */
  const storeNow = (metrics: RequestMetrics): Promise<void> => {
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
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, config.syncTimeout);
      timer.unref();
    });
    return Promise.race([write, budget]).finally(() => clearTimeout(timer));
  };

  const recorder = new Recorder(
    config,
    storeNow,
    (hook, error) =>
      logError(hook, `${hook} hook failed; the request is recorded as if it had not run`, error),
    () => {
      counters.recorded += 1;
    },
  );

  return {
    config,
    recorder,
    store,
    stats: () => ({ ...counters }),
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      await store.close();
    },
  };
}
