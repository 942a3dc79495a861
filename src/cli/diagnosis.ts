import { hostname } from 'node:os';
import { parseDsn } from '../bus/dsn.js';
import { missingClientPackage } from '../bus/transports/index.js';
import { unrecordedEnvironment } from '../config/environments.js';
import { resolveConfig } from '../config/load.js';
import type { Logger, ResolvedConfig, RouteperfOptions } from '../config/types.js';
import { redactDsn } from '../dsn.js';
import { describeCause, RouteperfError } from '../errors.js';
import { storeOptionsOf } from '../routeperf/stores.js';
import { createRouteperf, type RecordingMode, type RouteperfStats } from '../routeperf.js';
import { Store } from '../store/store.js';
import type { WorkerStatus } from '../store/workers.js';
import { EXIT_USAGE, exitCodeFor } from './exit.js';
import { formatCount, plural } from './format.js';
import {
  ALIVE_WITHIN_MS,
  isInProcess,
  openCliTransport,
  transportCause,
  transportDsn,
} from './transports.js';

/** Longest any one check waits: a database or broker that hangs is a finding, not a reason to hang. */
const CHECK_TIMEOUT_MS = 10_000;
/** How far back `diagnose` looks for the last worker seen when none is alive. */
const LAST_SEEN_WITHIN_MS = 7 * 24 * 3_600_000;

/** Something that stops routeperf from working as configured, and the command that fixes it. */
export interface Problem {
  code:
    | 'routeperf-start'
    | 'environment-not-recorded'
    | 'client-package-missing'
    | 'database-unreachable'
    | 'schema-incomplete'
    | 'transport-unreachable'
    | 'no-worker-alive'
    | 'failed-messages';
  message: string;
  /** Ends with the command to run: `run: npx routeperf consume`. */
  fix: string;
}

export interface Diagnosis {
  ok: boolean;
  checkedAt: string;
  configuration: {
    configFile: string | null;
    environment: string;
    /** Whether requests of this environment are recorded, and why not. */
    recording: { on: boolean; reason?: string };
    database: string;
    autoSetup: boolean;
    async: boolean;
    /** Where routeperf.record messages go (routed, else `transport`), password redacted. */
    transport: string;
    failureTransport: string;
  };
  /**
   * How an app with this configuration records, once installed packages are taken into account; null when
   * an app with it cannot start routeperf (the first problem says why).
   */
  mode: (RecordingMode & { summary: string }) | null;
  database: { reachable: boolean; tables: 'complete' | 'missing or out of date' | 'unknown'; error?: string };
  /** Checked only when a separate worker is needed (async mode on a durable transport). */
  transport: { dsn: string; reachable: boolean; pending?: number; inFlight?: number; error?: string } | null;
  /** Null when the database could not be read. */
  failedMessages: number | null;
  workers: {
    /** A worker is alive when its last heartbeat is more recent than this. */
    aliveWithinSeconds: number;
    alive: WorkerStatus[];
    /** The most recent worker seen in the last week, when none is alive. */
    lastSeen: WorkerStatus | null;
  } | null;
  /** routeperf's counters in this process: the diagnose process, not the app. */
  thisProcess: RouteperfStats & { note: string };
  problems: Problem[];
}

const quiet: Logger = { info() {}, warn() {}, error() {} };

/**
 * Looks at the configuration, the mode an app would run in, the database, the transport, the failure store
 * and the workers, without changing anything: the schema is read, never migrated, a missing SQLite file is
 * not created, and the transport is not set up.
 */
export async function diagnose(cli: RouteperfOptions): Promise<Diagnosis> {
  // The fallback warning would interrupt the report, which states it as a problem with its fix.
  const layer = { ...cli, logger: quiet };
  const config = await resolveConfig({ cli: layer });
  const problems: Problem[] = [];
  const unrecorded = unrecordedEnvironment(config);
  if (unrecorded) {
    problems.push({
      code: 'environment-not-recorded',
      message: `Apps record nothing here: ${unrecorded}`,
      fix: `set "environments" in the config file to include "${config.environment}", then run: npx routeperf diagnose`,
    });
  }
  const dsn = transportDsn(config);
  const { mode, stats } = await effectiveMode(layer, config, dsn, problems);
  const store = readOnlyStore(config);
  try {
    const database = await checkDatabase(store, config, problems);
    const durableAsync = mode?.async === true && !isInProcess(dsn);
    const transport = !durableAsync
      ? null
      : parseDsn(dsn).protocol === 'database:' && !database.reachable
        ? {
            dsn: redactDsn(dsn),
            reachable: false,
            error: 'its queue is in the database, which is unreachable',
          }
        : await checkTransport(dsn, config, problems);
    const readable = database.tables === 'complete';
    const failedMessages = readable ? await countFailures(store) : null;
    if (failedMessages) {
      problems.push({
        code: 'failed-messages',
        message: `${plural(failedMessages, 'message')} in the failure store: workers gave up on ${failedMessages === 1 ? 'it' : 'them'}; see why, then retry or remove ${failedMessages === 1 ? 'it' : 'them'}`,
        fix: 'run: npx routeperf failed list',
      });
    }
    const workers = readable ? await listWorkers(store) : null;
    if (durableAsync && database.reachable && !workers?.alive.length) {
      const details = [
        transport?.pending === undefined ? undefined : `${formatCount(transport.pending)} waiting`,
        workers?.lastSeen
          ? `last heartbeat ${workers.lastSeen.heartbeatAt.toISOString()} from ${workers.lastSeen.host} pid ${workers.lastSeen.pid}`
          : undefined,
      ].filter(Boolean);
      problems.push({
        code: 'no-worker-alive',
        message: `No worker is alive to store the messages of ${redactDsn(dsn)}${details.length ? ` (${details.join('; ')})` : ''}; in production keep workers running under systemd or supervisord`,
        fix: 'run: npx routeperf consume',
      });
    }
    return {
      ok: problems.length === 0,
      checkedAt: new Date().toISOString(),
      configuration: {
        configFile: config.configFile ?? null,
        environment: config.environment,
        recording: recordingState(config),
        database: redactDsn(config.database),
        autoSetup: config.autoSetup,
        async: config.async,
        transport: redactDsn(dsn),
        failureTransport: redactDsn(config.failureTransport),
      },
      mode: mode && { ...mode, summary: describeMode(mode, dsn) },
      database,
      transport,
      failedMessages,
      workers,
      thisProcess: {
        ...stats,
        note: 'counters of this diagnose process only; each app process has its own, in routeperf.stats()',
      },
      problems,
    };
  } finally {
    await store.close();
  }
}

/**
 * createRouteperf's own verdict, so that diagnose says exactly what an app would do. A configuration it
 * refuses (a transport DSN with an unknown scheme or option) is a configuration error like any other:
 * thrown, so that it is the first and only thing said, and the exit code is 2.
 */
async function effectiveMode(
  layer: RouteperfOptions,
  config: ResolvedConfig,
  dsn: string,
  problems: Problem[],
): Promise<{ mode: RecordingMode | null; stats: RouteperfStats }> {
  const none = { recorded: 0, stored: 0, dropped: 0, sent: 0, queued: 0 };
  let routeperf: Awaited<ReturnType<typeof createRouteperf>>;
  try {
    // On memory:// createRouteperf starts an in-process worker, whose heartbeat would create the tables.
    routeperf = await createRouteperf({}, { cli: layer, readOnly: true });
  } catch (error) {
    if (exitCodeFor(error) === EXIT_USAGE) throw error;
    problems.push({
      code: 'routeperf-start',
      message: `An app with this configuration cannot start routeperf: ${describeCause(error)}`,
      fix: 'fix what the message names, then run: npx routeperf diagnose',
    });
    return { mode: null, stats: none };
  }
  try {
    const { mode } = routeperf;
    if (mode.fallback) {
      const missing = await missingClientPackage(dsn, config);
      problems.push({
        code: 'client-package-missing',
        message: `Async is on, but ${missing ? `"${missing}"` : 'the client package of the transport'} is not installed: apps record synchronously instead`,
        fix: `run: npm install ${missing ?? '<package>'}`,
      });
    }
    return { mode, stats: routeperf.stats() };
  } finally {
    await routeperf.close();
  }
}

/** A store over the same database that never creates a file or a table, whatever autoSetup says. */
function readOnlyStore(config: ResolvedConfig): Store {
  return new Store({ ...storeOptionsOf(config, () => {}), readOnly: true });
}

async function checkDatabase(store: Store, config: ResolvedConfig, problems: Problem[]) {
  try {
    await within(store.failures(), 'the database');
    return { reachable: true, tables: 'complete' as const };
  } catch (error) {
    if (error instanceof RouteperfError && error.code === 'ROUTEPERF_STORE_SCHEMA') {
      const why = config.autoSetup
        ? 'an app with autoSetup on creates them when it first records, but workers and reports need them first'
        : 'and autoSetup is off';
      problems.push({
        code: 'schema-incomplete',
        message: `The routeperf tables (prefix "${config.tablePrefix}") in ${store.location} are missing or out of date; ${why}`,
        fix: 'run: npx routeperf migrate',
      });
      return { reachable: true, tables: 'missing or out of date' as const };
    }
    const cause = describeCause(error);
    const install = /npm install \S+/.exec(cause)?.[0];
    problems.push({
      code: 'database-unreachable',
      message: cause.includes(store.description)
        ? cause
        : `Cannot use the database ${store.description}: ${cause}`,
      fix: install
        ? `run: ${install}`
        : 'start the database or fix "database" (or --database), then run: npx routeperf diagnose',
    });
    return { reachable: false, tables: 'unknown' as const, error: describeCause(error) };
  }
}

async function checkTransport(
  dsn: string,
  config: ResolvedConfig,
  problems: Problem[],
): Promise<NonNullable<Diagnosis['transport']>> {
  const shown = redactDsn(dsn);
  try {
    const transport = await within(openCliTransport(dsn, config), shown);
    try {
      const stats = await within(transport.stats(), shown);
      return { dsn: shown, reachable: true, ...stats };
    } finally {
      await transport.close().catch(() => {});
    }
  } catch (error) {
    problems.push({
      code: 'transport-unreachable',
      message: `Cannot use the transport ${shown}: ${transportCause(dsn, error)}`,
      fix: 'start the broker or fix "transport", then run: npx routeperf diagnose',
    });
    return { dsn: shown, reachable: false, error: transportCause(dsn, error) };
  }
}

async function countFailures(store: Store): Promise<number | null> {
  return within((await store.failures()).count(), 'the failure store').catch(() => null);
}

async function listWorkers(store: Store): Promise<Diagnosis['workers']> {
  const now = Date.now();
  const registry = await store.workers();
  const recent = await within(registry.list(now - LAST_SEEN_WITHIN_MS), 'the workers table').catch(
    () => null,
  );
  if (recent === null) return null;
  // An app on memory:// runs a worker inside createRouteperf: the one diagnose itself just started is not news.
  const others = recent.filter((worker) => worker.pid !== process.pid || worker.host !== hostname());
  const alive = others.filter(
    (worker) => worker.stoppedAt === null && worker.heartbeatAt.getTime() >= now - ALIVE_WITHIN_MS,
  );
  return {
    aliveWithinSeconds: ALIVE_WITHIN_MS / 1000,
    alive,
    lastSeen: alive.length ? null : (others[0] ?? null),
  };
}

function recordingState(config: ResolvedConfig): Diagnosis['configuration']['recording'] {
  if (!config.enabled) return { on: false, reason: 'enabled is false' };
  const unrecorded = unrecordedEnvironment(config);
  return unrecorded ? { on: false, reason: unrecorded } : { on: true };
}

function describeMode(mode: RecordingMode, dsn: string): string {
  if (mode.fallback)
    return 'synchronous (fallback from async): each response waits for its metrics to be stored';
  if (!mode.async) return 'synchronous (async: false): each response waits for its metrics to be stored';
  if (mode.transport === 'sync://')
    return 'asynchronous, in the app process: stored right after each response (sync://)';
  if (isInProcess(dsn))
    return `asynchronous, in the app process: batched in memory and stored by a worker inside the app (${mode.transport})`;
  return `asynchronous: messages go to ${mode.transport}, and routeperf consume workers store them`;
}

/** `promise`, or a rejection saying that `what` did not answer in time. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
