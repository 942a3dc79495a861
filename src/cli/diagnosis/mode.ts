import type { RouteperfOptions } from '../../config/types.js';
import { describeCause } from '../../errors.js';
import type { Problem, Recording } from '../../routeperf/diagnosis/index.js';
import { openRouteperf, type RecordingMode, type Routeperf, type RouteperfStats } from '../../routeperf.js';
import { EXIT_USAGE, exitCodeFor } from '../exit.js';

const NOTE = 'counters of this diagnose process only; each app process has its own, in routeperf.stats()';

/**
 * createRouteperf's own verdict, so that diagnose says exactly what an app would do. A configuration it
 * refuses (a transport DSN with an unknown scheme or option) is a configuration error like any other:
 * thrown, so that it is the first and only thing said, and the exit code is 2.
 */
export async function effectiveMode(layer: RouteperfOptions, problems: Problem[]): Promise<Recording> {
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
    return recordingOf(null, none);
  }
  try {
    return recordingOf(routeperf.mode, routeperf.stats());
  } finally {
    await routeperf.close();
  }
}

function recordingOf(mode: RecordingMode | null, stats: RouteperfStats): Recording {
  // A worker of this process is the one the routeperf opened here ran (memory://), not an app's.
  return { mode, thisProcess: { ...stats, note: NOTE }, ownWorkerInThisProcess: true };
}
