/**
 * Alerts: rules judged on the stored metrics, their state in the store, and channels that tell people.
 * `routeperf consume` runs an AlertLoop beside its workers; `routeperf alerts check` runs one evaluation.
 */

import { internalsOf } from '../routeperf/internals.js';
import type { Routeperf } from '../routeperf.js';
import type { AlertChannel } from './channels/channel.js';
import { openChannel } from './channels/index.js';
import { AlertEvaluator } from './evaluator.js';

export type { EvaluationReport } from './evaluator.js';
export { AlertLoop } from './loop.js';
export { subjectText } from './message.js';

/** The evaluator of a routeperf's configured rules, with each rule's channels opened (nothing connects yet). */
export async function openAlertEvaluator(
  routeperf: Routeperf,
  options: { backoffMs?: number } = {},
): Promise<AlertEvaluator> {
  const { config, store } = internalsOf(routeperf);
  const channels = new Map<string, AlertChannel[]>(
    config.alerts.map((rule) => [
      rule.name,
      rule.channels.map((channel) => openChannel(channel, channel.name)),
    ]),
  );
  return new AlertEvaluator({
    routeperf,
    states: await store.alertStates(),
    rules: config.alerts,
    channels,
    logger: config.logger,
    backoffMs: options.backoffMs,
  });
}
