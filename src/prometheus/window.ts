/** The window of the quantiles: a whole number of minutes or hours. */
export type QuantileWindow = `${number}m` | `${number}h`;

export const WINDOW = /^([1-9][0-9]{0,4})(m|h)$/;
export const WINDOW_EXPECTED = 'a duration such as "5m" or "1h" (whole minutes or hours)';

/** The window's length in ms; undefined when `window` is not one. */
export function windowMs(window: string): number | undefined {
  const match = WINDOW.exec(window);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 60_000);
}
