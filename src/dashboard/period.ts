/**
 * The time window a page shows: one of the preset periods back from now, or a custom range given as UTC
 * dates. Any value that does not make a sane window falls back to the default period.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Each preset: how far back it reaches, the width of its chart's points, and where it starts: `span` back
 * from now, rounded down to a whole `align` (a multiple of `step`). The figures of a page then cover the
 * chart's points exactly, and a long period starts on a whole hour or day: the store sums a route's hours
 * or days there, not its minutes or hours (a 30-day page reads about a third of the rows).
 */
export const PRESET_PERIODS = {
  '1h': { span: HOUR_MS, step: MINUTE_MS, align: MINUTE_MS },
  '6h': { span: 6 * HOUR_MS, step: 5 * MINUTE_MS, align: 5 * MINUTE_MS },
  '24h': { span: DAY_MS, step: HOUR_MS, align: HOUR_MS },
  '7d': { span: 7 * DAY_MS, step: 3 * HOUR_MS, align: DAY_MS },
  '30d': { span: 30 * DAY_MS, step: 12 * HOUR_MS, align: DAY_MS },
};
export type PresetPeriod = keyof typeof PRESET_PERIODS;
export type PeriodName = PresetPeriod | 'custom';
export const DEFAULT_PERIOD: PresetPeriod = '24h';

/** The earliest a custom range may start: routeperf keeps no older data, and a step spans at most this much. */
const EARLIEST = Date.UTC(2000, 0, 1);
/** A custom date as `<input type="datetime-local">` sends it: `2024-05-01T12:00`, seconds optional. */
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

export interface TimeWindow {
  period: PeriodName;
  /** Inclusive start, a whole minute, ms since the epoch. */
  since: number;
  /** Exclusive end, ms since the epoch. */
  until: number;
  /** The custom range as given (`2024-05-01T12:00`), for the form and the links. */
  from?: string;
  to?: string;
}

/** The window asked for by `period`, `from` and `to`, or the default period's when they make none. */
export function timeWindow(
  period: string | null,
  from: string | null,
  to: string | null,
  now = Date.now(),
): TimeWindow {
  if (period === 'custom') {
    const since = utcDate(from);
    const until = utcDate(to);
    if (since !== undefined && until !== undefined && since >= EARLIEST && until <= now + DAY_MS) {
      const start = floorToMinute(since);
      if (until - start >= MINUTE_MS) return { period, since: start, until, from: from!, to: to! };
    }
  }
  const preset =
    period !== null && Object.hasOwn(PRESET_PERIODS, period) ? (period as PresetPeriod) : DEFAULT_PERIOD;
  const { span, align } = PRESET_PERIODS[preset];
  const start = now - span;
  return { period: preset, since: start - (start % align), until: now };
}

/** `2024-05-01T12:00` read as UTC, or undefined unless it is a real calendar date and time. */
function utcDate(text: string | null): number | undefined {
  const parts = text === null ? null : LOCAL_DATE.exec(text);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second = '0'] = parts.slice(1).map((part) => part ?? '0');
  const at = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const date = new Date(at);
  const sameFields =
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    date.getUTCHours() === Number(hour) &&
    date.getUTCMinutes() === Number(minute) &&
    date.getUTCSeconds() === Number(second);
  return sameFields ? at : undefined;
}

function floorToMinute(time: number): number {
  return time - (time % MINUTE_MS);
}

/**
 * The width of a chart's points: the preset's, or for a custom range whole minutes, about 60 points over
 * the window.
 */
export function chartStep(window: TimeWindow): number {
  if (window.period !== 'custom') return PRESET_PERIODS[window.period].step;
  return Math.max(1, Math.ceil((window.until - window.since) / 60 / MINUTE_MS)) * MINUTE_MS;
}

/** `2024-05-01T12:00` in UTC, as the custom range's inputs show a time. */
export function inputDate(time: number): string {
  return new Date(time).toISOString().slice(0, 16);
}
