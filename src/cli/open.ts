import type { RouteperfOptions } from '../config/types.js';
import { createRouteperf, type Routeperf } from '../core/routeperf.js';
import { RouteperfError } from '../errors.js';
import { redact } from '../store/dialects/index.js';
import type { CommonValues } from './command.js';
import { describeCause } from './exit.js';

/** The command-line layer of the configuration: it wins over the config file and the environment. */
export function cliLayer(values: CommonValues, extra: RouteperfOptions = {}): RouteperfOptions {
  const layer: RouteperfOptions = { ...extra };
  if (values.config !== undefined) layer.configFile = values.config;
  if (values.database !== undefined) layer.database = values.database;
  return layer;
}

/**
 * Runs `work` with a routeperf built from the CLI layer and always closes it, so that the process can
 * exit on its own. Database errors that are not ours yet are wrapped so the message says which database.
 */
export async function withRouteperf<T>(cli: RouteperfOptions, work: (routeperf: Routeperf) => Promise<T>) {
  const routeperf = await createRouteperf({}, { cli });
  try {
    return await work(routeperf);
  } catch (error) {
    if (error instanceof RouteperfError) throw error;
    throw new RouteperfError(
      'ROUTEPERF_STORE_UNREACHABLE',
      `${databaseOf(routeperf)} failed: ${describeCause(error)}`,
      { cause: error },
    );
  } finally {
    await routeperf.close();
  }
}

/** The database URL for messages, password redacted. */
export function databaseOf(routeperf: Routeperf): string {
  return redact(routeperf.config.database);
}
