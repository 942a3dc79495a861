/**
 * The checks of `routeperf diagnose` and of the dashboard's diagnose page, one implementation for both:
 * the configuration, the mode an app records in, the database, the transport a separate worker reads, the
 * failure store and the workers. The CLI diagnoses a configuration from outside any app (`diagnoseWith`
 * over a read-only store); the dashboard diagnoses the app that serves it (`diagnoseRouteperf`). Messages
 * and fixes are English text, as the CLI prints them.
 */
import { isInProcess, recordTransportDsn } from '../../bus/transports/index.js';
import type { ResolvedConfig } from '../../config/types.js';
import type { Store } from '../../store/store.js';
import type { Routeperf } from '../handle.js';
import { internalsOf } from '../internals.js';
import { checkEnvironmentRecorded, describeConfiguration } from './configuration.js';
import { checkDatabase } from './database.js';
import { checkFailedMessages } from './failed-messages.js';
import { checkClientPackage, describeMode } from './mode.js';
import { checkTransport } from './transport.js';
import type { Diagnosis, Problem, Recording } from './types.js';
import { checkWorkerAlive, listWorkers } from './workers.js';

export { readOnlyStore } from './database.js';
export type { Diagnosis, Problem, Recording } from './types.js';

/**
 * Runs the checks, which change nothing: they only read `store` (the CLI's is read-only: it never migrates
 * nor creates a missing SQLite file; an app's is set up as the app sets it up), and never set up the
 * transport. `recording` says how the process records; it is asked right after the configuration is
 * checked, so that problems come in the order of the checks.
 */
export async function diagnoseWith(
  config: ResolvedConfig,
  store: Store,
  recording: (problems: Problem[]) => Promise<Recording>,
): Promise<Diagnosis> {
  const problems: Problem[] = [];
  checkEnvironmentRecorded(config, problems);
  const dsn = recordTransportDsn(config);
  const { mode, thisProcess, ownWorkerInThisProcess } = await recording(problems);
  await checkClientPackage(mode, dsn, config, problems);
  const database = await checkDatabase(store, config, problems);
  // Only messages on a durable transport need a separate worker; in-process ones are stored by the app.
  const durableAsync = mode?.async === true && !isInProcess(dsn);
  const transport = durableAsync ? await checkTransport(dsn, config, database, problems) : null;
  const readable = database.tables === 'complete';
  const failedMessages = readable ? await checkFailedMessages(store, problems) : null;
  const workers = readable ? await listWorkers(store, ownWorkerInThisProcess) : null;
  if (durableAsync && database.reachable) checkWorkerAlive(dsn, transport, workers, problems);
  return {
    ok: problems.length === 0,
    checkedAt: new Date().toISOString(),
    configuration: describeConfiguration(config, dsn),
    mode: mode && { ...mode, summary: describeMode(mode, dsn) },
    database,
    transport,
    failedMessages,
    workers,
    thisProcess,
    problems,
  };
}

/**
 * The diagnosis of a running app from its own handle: its mode and counters, and its own store, which
 * reads the same database the app writes (for `sqlite::memory:`, the only one that can).
 */
export function diagnoseRouteperf(routeperf: Routeperf): Promise<Diagnosis> {
  const { config, store } = internalsOf(routeperf);
  return diagnoseWith(config, store, async () => ({
    mode: routeperf.mode,
    thisProcess: {
      ...routeperf.stats(),
      note: 'counters of this app process since it started; each app process has its own',
    },
    // Workers in the app's process (memory://) are the app's, and count.
    ownWorkerInThisProcess: false,
  }));
}
