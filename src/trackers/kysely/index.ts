import { type KyselyConfig, Log, type LogConfig, type LogEvent, type Logger } from 'kysely';
import { recordQuery } from '../../core/scope.js';
import { shapeSource, type TrackerOptions } from '../tracker.js';

export type { TrackerOptions };

/** What a log function made by `trackKysely` keeps: the app's own log, and the latest options. */
interface Tracking {
  appLog: Log | undefined;
  options: TrackerOptions;
}

const trackingLogs = new WeakMap<Logger, Tracking>();

/**
 * Counts every query a Kysely instance executes in the request that executes it. Call it on the config
 * given to `new Kysely(...)`; it returns that config with routeperf's `log` added (a copy: yours is left
 * as it is), your own `log` (levels or function) still getting every event it asked for:
 *
 * ```ts
 * import { Kysely, PostgresDialect } from 'kysely';
 * import pg from 'pg';
 * import { trackKysely } from 'routeperf/kysely';
 *
 * const db = new Kysely<Database>(trackKysely({ dialect: new PostgresDialect({ pool: new pg.Pool() }) }));
 * ```
 *
 * It uses Kysely's `log` hook rather than a plugin. A plugin's `transformQuery` also runs for a query that
 * is only compiled (`.compile()`, which must not count), while its `transformResult` never runs for a
 * query that fails and runs once per chunk of a stream. Kysely's driver logs each statement it executes
 * exactly once, when it has succeeded or failed, with how long it took, in the async context of the code
 * that executed it: builders, raw `sql`, `executeQuery`, streams (once, when the stream ends), and the
 * statements of transactions and savepoints (`begin`, `commit`, `rollback`…) included, through every
 * instance derived from this one (`withPlugin`, `transaction`, `connection`). So a query is counted when
 * it ends, with the duration Kysely measured from the moment the driver ran it (after any wait for a pool
 * connection); a query still running when its request ends is not counted. Its shape is its SQL with the
 * values stripped.
 *
 * The log is part of the config, so a Kysely made from an untracked config is not tracked. Tracking a
 * tracked config again only changes the options. Outside a request nothing is counted. Over a driver
 * tracked too (`routeperf/pg`, `routeperf/mysql2`), each query would count twice: track one of them.
 */
export function trackKysely<C extends KyselyConfig>(config: C, options: TrackerOptions = {}): C {
  try {
    const tracking =
      config.log === undefined || Array.isArray(config.log)
        ? undefined
        : trackingLogs.get(config.log as Logger);
    if (tracking) {
      tracking.options = options;
      return config;
    }
    return { ...config, log: trackingLog(config.log, options) };
  } catch {
    // Tracking is best effort: an app must never fail because routeperf could not track its client.
    return config;
  }
}

function trackingLog(appConfig: LogConfig | undefined, options: TrackerOptions): Logger {
  const tracking: Tracking = { appLog: appConfig === undefined ? undefined : new Log(appConfig), options };
  const log: Logger = (event) => {
    countFinished(event, tracking.options);
    const { appLog } = tracking;
    if (!appLog) return;
    return event.level === 'query' ? appLog.query(() => event) : appLog.error(() => event);
  };
  trackingLogs.set(log, tracking);
  return log;
}

/** Counts a query that has just ended, as having started `queryDurationMillis` ago, as Kysely measured. */
function countFinished(event: LogEvent, options: TrackerOptions): void {
  recordQuery(event.queryDurationMillis, shapeSource(options, event.query?.sql));
}
