/** A duration as the `retention` options take it: a whole number of hours or days, `'48h'` or `'90d'`. */
export type Duration = `${number}h` | `${number}d`;

export const DURATION = /^([1-9][0-9]{0,5})(h|d)$/;
export const DURATION_EXPECTED =
  'a duration such as "48h" or "90d" (whole hours or days), or null to keep them for ever';

/** How long each resolution of the rolled-up buckets is kept. */
export interface RetentionOptions {
  /** Minute buckets. Default `'48h'`. */
  minutes?: Duration | null;
  /** Hour buckets. Default `'90d'`. */
  hours?: Duration | null;
  /** Day buckets. Default `null`: for ever. */
  days?: Duration | null;
}

export const DEFAULT_RETENTION: Required<RetentionOptions> = { minutes: '48h', hours: '90d', days: null };

const HOUR_MS = 3_600_000;

/** A duration in ms; null stays null (for ever). */
export function durationMs(duration: Duration | null): number | null {
  if (duration === null) return null;
  const [, amount, unit] = DURATION.exec(duration)!;
  return Number(amount) * (unit === 'd' ? 24 : 1) * HOUR_MS;
}

/**
 * Coarser buckets must be kept at least as long as finer ones: a read of a time whose minutes are gone
 * is answered from its hours, so hours must still be there. One line per problem.
 */
export function retentionProblems(retention: Required<RetentionOptions>): string[] {
  const kept = (duration: Duration | null) => durationMs(duration) ?? Number.POSITIVE_INFINITY;
  const order = [
    ['minutes', 'hours'],
    ['hours', 'days'],
  ] as const;
  return order
    .filter(([finer, coarser]) => kept(retention[finer]) > kept(retention[coarser]))
    .map(
      ([finer, coarser]) =>
        `retention.${coarser}: expected at least retention.${finer} (${retention[finer]}), so that older times can be read from coarser buckets, got ${JSON.stringify(retention[coarser])}`,
    );
}
