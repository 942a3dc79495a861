import { resolveConfig } from '../../config/load.js';
import type { Logger, RouteperfOptions } from '../../config/types.js';
import { type Diagnosis, diagnoseWith, readOnlyStore } from '../../routeperf/diagnosis/index.js';
import { effectiveMode } from './mode.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };

/**
 * The checks of routeperf/diagnosis/ over the configuration the command line resolves, from outside any
 * app: the mode is what createRouteperf decides for it, and the store only reads (the schema is read, never
 * migrated, and a missing SQLite file is not created).
 */
export async function diagnose(cli: RouteperfOptions): Promise<Diagnosis> {
  // The fallback warning would interrupt the report, which states it as a problem with its fix.
  const layer = { ...cli, logger: quiet };
  const config = await resolveConfig({ cli: layer });
  const store = readOnlyStore(config);
  try {
    return await diagnoseWith(config, store, (problems) => effectiveMode(layer, problems));
  } finally {
    await store.close();
  }
}
