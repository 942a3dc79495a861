import { resolveConfig } from '../config/load.js';
import type { RouteperfOptions } from '../config/types.js';
import { dsnsOf, redactDsn, redactSecretsIn } from '../dsn.js';
import { describeCause, isOutageCause, RouteperfError } from '../errors.js';
import { openRouteperf, type Routeperf } from '../routeperf.js';
import { errorCause } from '../store/errors.js';
import type { CommonValues } from './command.js';

/** The command-line layer of the configuration: it wins over the config file and the environment. */
export function cliLayer(values: CommonValues, extra: RouteperfOptions = {}): RouteperfOptions {
  const layer: RouteperfOptions = { ...extra };
  if (values.config !== undefined) layer.configFile = values.config;
  if (values.database !== undefined) layer.database = values.database;
  return layer;
}

/**
 * Runs `work` with a routeperf built from the CLI layer, for a command that records no request, and
 * always closes it so that the process can exit on its own.
 */
export async function withRouteperf<T>(cli: RouteperfOptions, work: (routeperf: Routeperf) => Promise<T>) {
  return withRecordingRouteperf(await recordingNothing(cli), work);
}

/**
 * The same for a report, which only reads: it creates no file, table or migration, and without
 * routeperf's tables it fails with the `routeperf migrate` to run.
 */
export async function withReadOnlyRouteperf<T>(
  cli: RouteperfOptions,
  work: (routeperf: Routeperf) => Promise<T>,
) {
  return withRecordingRouteperf(await recordingNothing(cli), work, { readOnly: true });
}

/**
 * The same for a command that records requests (the demo): async mode when the configuration asks for it.
 * Outages that are not ours yet are wrapped so the message says which database.
 */
export async function withRecordingRouteperf<T>(
  cli: RouteperfOptions,
  work: (routeperf: Routeperf) => Promise<T>,
  { readOnly = false } = {},
) {
  const routeperf = await openRouteperf({}, { cli, readOnly });
  try {
    return await work(routeperf);
  } catch (error) {
    // A bug, or a statement the database refused, is not the database being down: it shows as it is.
    if (error instanceof RouteperfError || !isOutageCause(errorCause(error))) throw error;
    throw new RouteperfError(
      'ROUTEPERF_STORE_UNREACHABLE',
      `${databaseOf(routeperf)} failed: ${redactSecretsIn(describeCause(error), dsnsOf(routeperf.config))}`,
      { cause: error },
    );
  } finally {
    await routeperf.close();
  }
}

/** The database URL for messages, password redacted. */
export function databaseOf(routeperf: Routeperf): string {
  return redactDsn(routeperf.config.database);
}

/**
 * The CLI layer of a command that records no request: async off. A worker or a report then opens no
 * producer and runs no in-process worker, and no async-mode signal handler closes the store under a
 * worker that is finishing its batch.
 */
function recordingNothing(cli: RouteperfOptions): Promise<RouteperfOptions> {
  return imposing(cli, { async: false });
}

/**
 * `cli` with `settings` that the configuration cannot undo: `overrides` of the environment apply after the
 * command line, so the settings go there too.
 */
async function imposing(cli: RouteperfOptions, settings: RouteperfOptions): Promise<RouteperfOptions> {
  const { environment } = await resolveConfig({ cli });
  return { ...cli, ...settings, overrides: { [environment]: settings } };
}
