import type { ResolvedConfig } from '../../config/types.js';
import { describeCause, RouteperfError } from '../../errors.js';
import { Store } from '../../store/store.js';
import { storeOptionsOf } from '../stores.js';
import type { Diagnosis, Problem } from './types.js';
import { within } from './within.js';

/** A store over the same database that never creates a file or a table, whatever autoSetup says. */
export function readOnlyStore(config: ResolvedConfig): Store {
  return new Store({ ...storeOptionsOf(config, () => {}), readOnly: true });
}

/** Whether the database answers, and whether its tables are this version's. */
export async function checkDatabase(
  store: Store,
  config: ResolvedConfig,
  problems: Problem[],
): Promise<Diagnosis['database']> {
  try {
    await within(store.failures(), 'the database');
    return { reachable: true, tables: 'complete' };
  } catch (error) {
    if (error instanceof RouteperfError && error.code === 'ROUTEPERF_STORE_SCHEMA') {
      problems.push(schemaIncomplete(store, config));
      return { reachable: true, tables: 'missing or out of date' };
    }
    problems.push(databaseUnreachable(store, error));
    return { reachable: false, tables: 'unknown', error: describeCause(error) };
  }
}

function schemaIncomplete(store: Store, config: ResolvedConfig): Problem {
  const why = config.autoSetup
    ? 'an app with autoSetup on creates them when it first records, but workers and reports need them first'
    : 'and autoSetup is off';
  return {
    code: 'schema-incomplete',
    message: `The routeperf tables (prefix "${config.tablePrefix}") in ${store.location} are missing or out of date; ${why}`,
    fix: 'run: npx routeperf migrate',
  };
}

function databaseUnreachable(store: Store, error: unknown): Problem {
  const cause = describeCause(error);
  // A missing driver is the commonest reason, and its message names the package to install.
  const install = /npm install \S+/.exec(cause)?.[0];
  return {
    code: 'database-unreachable',
    message: cause.includes(store.description)
      ? cause
      : `Cannot use the database ${store.description}: ${cause}`,
    fix: install
      ? `run: ${install}`
      : 'start the database or fix "database" (or --database), then run: npx routeperf diagnose',
  };
}
