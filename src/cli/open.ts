import { resolveConfig } from '../config/load.js';
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
 * Only a command that `records` requests (the demo) gets async mode when the configuration asks for it.
 */
export async function withRouteperf<T>(
  cli: RouteperfOptions,
  work: (routeperf: Routeperf) => Promise<T>,
  { records = false } = {},
) {
  const routeperf = await createRouteperf({}, { cli: records ? cli : await recordingNothing(cli) });
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

/**
 * The CLI layer of a command that records no request: async off, also over `overrides` of the environment
 * (they apply after the command line). A worker or a report then opens no producer and runs no in-process
 * worker, and no async-mode signal handler closes the store under a worker that is finishing its batch.
 */
async function recordingNothing(cli: RouteperfOptions): Promise<RouteperfOptions> {
  const { environment } = await resolveConfig({ cli });
  return { ...cli, async: false, overrides: { [environment]: { async: false } } };
}
