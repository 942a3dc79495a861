import { missingClientPackage } from '../../bus/transports/index.js';
import type { ResolvedConfig, RouteperfOptions } from '../../config/types.js';
import { describeCause } from '../../errors.js';
import { openRouteperf, type RecordingMode, type Routeperf, type RouteperfStats } from '../../routeperf.js';
import { EXIT_USAGE, exitCodeFor } from '../exit.js';
import { isInProcess } from '../transports.js';
import type { Problem } from './types.js';

/**
 * createRouteperf's own verdict, so that diagnose says exactly what an app would do. A configuration it
 * refuses (a transport DSN with an unknown scheme or option) is a configuration error like any other:
 * thrown, so that it is the first and only thing said, and the exit code is 2.
 */
export async function effectiveMode(
  layer: RouteperfOptions,
  config: ResolvedConfig,
  dsn: string,
  problems: Problem[],
): Promise<{ mode: RecordingMode | null; stats: RouteperfStats }> {
  const none = { recorded: 0, stored: 0, dropped: 0, sent: 0, queued: 0 };
  let routeperf: Routeperf;
  try {
    // On memory:// createRouteperf starts an in-process worker, whose heartbeat would create the tables.
    routeperf = await openRouteperf({}, { cli: layer, readOnly: true });
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
    if (mode.fallback) problems.push(await clientPackageMissing(dsn, config));
    return { mode, stats: routeperf.stats() };
  } finally {
    await routeperf.close();
  }
}

/** Why async mode fell back to synchronous: the transport's client package, named when it can be. */
async function clientPackageMissing(dsn: string, config: ResolvedConfig): Promise<Problem> {
  const missing = await missingClientPackage(dsn, config);
  return {
    code: 'client-package-missing',
    message: `Async is on, but ${missing ? `"${missing}"` : 'the client package of the transport'} is not installed: apps record synchronously instead`,
    fix: `run: npm install ${missing ?? '<package>'}`,
  };
}

export function describeMode(mode: RecordingMode, dsn: string): string {
  if (mode.fallback)
    return 'synchronous (fallback from async): each response waits for its metrics to be stored';
  if (!mode.async) return 'synchronous (async: false): each response waits for its metrics to be stored';
  if (mode.transport === 'sync://')
    return 'asynchronous, in the app process: stored right after each response (sync://)';
  if (isInProcess(dsn))
    return `asynchronous, in the app process: batched in memory and stored by a worker inside the app (${mode.transport})`;
  return `asynchronous: messages go to ${mode.transport}, and routeperf consume workers store them`;
}
