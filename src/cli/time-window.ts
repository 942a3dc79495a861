import type { OptionSpecs } from './command.js';
import { usageError } from './usage-error.js';
import { pointInTime } from './values.js';

/** The --since and --until options of a command that reads a time window. */
export const TIME_WINDOW_OPTIONS = {
  since: {
    type: 'string',
    value: '<time>',
    description: 'Start: 30m, 1h, 24h, 7d (that long ago) or an ISO date',
  },
  until: { type: 'string', value: '<time>', description: 'End, same forms as --since (default: now)' },
} as const satisfies OptionSpecs;

/** The window those options give, checked together: the end after the start. */
export function timeWindowOf(values: { since?: string; until?: string }, now: number) {
  const since = pointInTime('since', values.since, now);
  const until = pointInTime('until', values.until, now);
  if (since && until && until.at <= since.at) {
    throw usageError(
      `--until: expected a time after --since (${since.label}), got ${JSON.stringify(values.until)}`,
    );
  }
  return { since, until };
}
