import type { RouteperfOptions } from './config/types.js';
import { rateLimitedErrorLog } from './logger.js';
import { afterRecordHook } from './routeperf/after-record.js';
import { appConfig } from './routeperf/config.js';
import { openDelivery } from './routeperf/delivery.js';
import { DirectWrites } from './routeperf/direct-writes.js';
import { ExitSignals } from './routeperf/exit-signals.js';
import type { Routeperf } from './routeperf/handle.js';
import { routeperfHandle } from './routeperf/internals.js';
import { countingRecorder } from './routeperf/recorder.js';
import { recordingMode } from './routeperf/recording-mode.js';
import { closeInOrder } from './routeperf/shutdown.js';
import { sumStats } from './routeperf/stats.js';
import { Stores } from './routeperf/stores.js';

export type { Routeperf } from './routeperf/handle.js';
export type { RecordingMode } from './routeperf/recording-mode.js';
export type { RouteperfStats } from './routeperf/stats.js';

export interface CreateOptions {
  /** CLI flags: they win over the other sources. */
  cli?: RouteperfOptions;
  /** The stores only read (the CLI's reports): they create no file, table or migration. */
  readOnly?: boolean;
}

/**
 * Resolves and validates the configuration (defaults, config file, `options`, overrides) and wires the
 * recorder to the store, directly (synchronous mode) or through a transport (asynchronous mode). It opens
 * no connection: the database and the broker are reached on first use.
 */
export function createRouteperf(options: RouteperfOptions = {}): Promise<Routeperf> {
  return openRouteperf(options);
}

/** createRouteperf, with what only the CLI asks for: its flags, and stores that only read. */
export async function openRouteperf(
  options: RouteperfOptions = {},
  create: CreateOptions = {},
): Promise<Routeperf> {
  const config = await appConfig(options, create.cli ?? {});
  const logError = rateLimitedErrorLog(config.logger);
  const stores = new Stores(config, { readOnly: create.readOnly, logError });
  const mode = await recordingMode(config);
  const directWrites = new DirectWrites(stores.sink, {
    syncTimeout: config.syncTimeout,
    logError,
    afterRecord: afterRecordHook(config, logError),
  });
  const delivery = await openDelivery({ config, mode, stores, directWrites, logError });
  // A process that stores every request starts its SQLite thread now; one that sends them starts it
  // only if it ever stores one itself (the 'store' overflow, what close() could not send).
  if (delivery.storesHere) await stores.started();
  const recording = countingRecorder(config, delivery.sink, !mode.async, logError);

  // Each part can still hand what it holds to the parts after it.
  const exitSignals = new ExitSignals();
  const close = closeInOrder([exitSignals, delivery, directWrites, stores]);
  if (delivery.flushesOnExit) exitSignals.closeOn(close);

  return routeperfHandle(
    { config, mode, stats: () => sumStats([recording, directWrites, delivery]), close },
    { config, recorder: recording.recorder, store: stores.store, failures: stores.failures },
  );
}
