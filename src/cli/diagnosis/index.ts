import { resolveConfig } from '../../config/load.js';
import type { Logger, RouteperfOptions } from '../../config/types.js';
import { isInProcess, transportDsn } from '../transports.js';
import { checkEnvironmentRecorded, describeConfiguration } from './configuration.js';
import { checkDatabase, readOnlyStore } from './database.js';
import { checkFailedMessages } from './failed-messages.js';
import { describeMode, effectiveMode } from './mode.js';
import { checkTransport } from './transport.js';
import type { Diagnosis, Problem } from './types.js';
import { checkWorkerAlive, listWorkers } from './workers.js';

export type { Diagnosis, Problem } from './types.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };

/**
 * Looks at the configuration, the mode an app would run in, the database, the transport, the failure store
 * and the workers, without changing anything: the schema is read, never migrated, a missing SQLite file is
 * not created, and the transport is not set up. Problems are listed in the order of these checks.
 */
export async function diagnose(cli: RouteperfOptions): Promise<Diagnosis> {
  // The fallback warning would interrupt the report, which states it as a problem with its fix.
  const layer = { ...cli, logger: quiet };
  const config = await resolveConfig({ cli: layer });
  const problems: Problem[] = [];
  checkEnvironmentRecorded(config, problems);
  const dsn = transportDsn(config);
  const { mode, stats } = await effectiveMode(layer, config, dsn, problems);
  const store = readOnlyStore(config);
  try {
    const database = await checkDatabase(store, config, problems);
    // Only messages on a durable transport need a separate worker; in-process ones are stored by the app.
    const durableAsync = mode?.async === true && !isInProcess(dsn);
    const transport = durableAsync ? await checkTransport(dsn, config, database, problems) : null;
    const readable = database.tables === 'complete';
    const failedMessages = readable ? await checkFailedMessages(store, problems) : null;
    const workers = readable ? await listWorkers(store) : null;
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
