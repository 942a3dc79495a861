import type { ResolvedConfig } from '../config/types.js';
import { type MetricsSink, Recorder } from '../core/recorder.js';
import type { ErrorLog } from '../logger.js';
import { UNMATCHED_ROUTE } from '../record/metrics.js';
import type { Counting } from './stats.js';

/** What becomes of a request when one of the app's hooks throws, as the Recorder handles it. */
const HOOK_FAILURE_OUTCOME: Record<string, string> = {
  routeOf: `the request is recorded under the route "${UNMATCHED_ROUTE}"`,
  getUser: 'the request is recorded without a user id',
  beforeRecord: 'the request is recorded, with whatever changes the hook made to the metrics before it threw',
};

/**
 * The Recorder that hands accepted metrics to `sink`, holding the response until they are stored when
 * `holdsResponse`; it counts the requests it accepted, and logs what the app's hooks throw.
 */
export function countingRecorder(
  config: ResolvedConfig,
  sink: MetricsSink,
  holdsResponse: boolean,
  logError: ErrorLog,
): { recorder: Recorder } & Counting {
  let recorded = 0;
  const recorder = new Recorder(
    config,
    sink,
    holdsResponse,
    (hook, error) => logError(hook, `${hook} hook failed; ${HOOK_FAILURE_OUTCOME[hook]}`, error),
    () => {
      recorded += 1;
    },
  );
  return { recorder, stats: () => ({ recorded }) };
}
