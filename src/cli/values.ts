import { type QuantileWindow, WINDOW_EXPECTED, windowMs } from '../prometheus/window.js';
import { didYouMean, listOf, usageError } from './usage-error.js';

/**
 * Checks option values after parsing; each failure names the option, what it expects and what it got. An
 * argument that is not an option is named as the usage line shows it: `<method>`.
 */
function invalid(flag: string, expected: string, given: string, hint = '') {
  const name = flag.startsWith('<') ? flag : `--${flag}`;
  return usageError(`${name}: expected ${expected}, got ${JSON.stringify(given)}${hint}`);
}

export function oneOf<T extends string>(flag: string, given: string | undefined, allowed: readonly T[]) {
  if (given === undefined) return undefined;
  if ((allowed as readonly string[]).includes(given)) return given as T;
  throw invalid(flag, listOf(allowed), given, didYouMean(given, allowed));
}

export function wholeNumber(flag: string, given: string | undefined, { min = 1, max = Infinity } = {}) {
  if (given === undefined) return undefined;
  const value = Number(given);
  if (/^\d+$/.test(given) && value >= min && value <= max) return value;
  const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
  throw invalid(flag, `a whole number ${range}`, given);
}

export function positiveSeconds(flag: string, given: string | undefined) {
  if (given === undefined) return undefined;
  const value = Number(given);
  if (/^\d+(\.\d+)?$/.test(given) && value > 0) return value;
  throw invalid(flag, 'a number of seconds above 0', given);
}

/** A duration in ms: 0 or more, fractions allowed. */
export function milliseconds(flag: string, given: string | undefined) {
  if (given === undefined) return undefined;
  const value = Number(given);
  if (/^\d+(\.\d+)?$/.test(given) && Number.isFinite(value)) return value;
  throw invalid(flag, 'a number of milliseconds, 0 or more', given);
}

export function httpMethod(flag: string, given: string | undefined) {
  if (given === undefined) return undefined;
  if (/^[A-Za-z]+$/.test(given)) return given.toUpperCase();
  throw invalid(flag, 'an HTTP method such as GET or POST', given);
}

/** A window of the Prometheus quantiles: `5m`, `1h`. */
export function quantileWindow(flag: string, given: string | undefined) {
  if (given === undefined || windowMs(given) !== undefined) return given as QuantileWindow | undefined;
  throw invalid(flag, WINDOW_EXPECTED, given);
}

export function nonEmpty(flag: string, given: string | undefined) {
  if (given === undefined) return undefined;
  if (given.trim() !== '') return given;
  throw invalid(flag, 'a non-empty value', given);
}

/** A point in time and how to say it in a report heading. */
export interface TimePoint {
  at: Date;
  label: string;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const AGO = /^(\d+(?:\.\d+)?)([smhdw])$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `30m`, `1h`, `24h`, `7d` (that long before `now`) or an ISO date such as `2024-05-01T12:00Z`. */
export function pointInTime(flag: string, given: string | undefined, now: number): TimePoint | undefined {
  if (given === undefined) return undefined;
  const ago = AGO.exec(given);
  if (ago) {
    return {
      at: new Date(now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]),
      label: `${given} ago`,
    };
  }
  const at = Date.parse(given);
  if (ISO_DATE.test(given) && !Number.isNaN(at) && isCalendarDate(given)) {
    return { at: new Date(at), label: new Date(at).toISOString() };
  }
  throw invalid(
    flag,
    'a duration such as 30m, 1h, 24h or 7d, or an ISO date such as 2024-05-01T12:00Z',
    given,
  );
}

/** Date.parse turns 2024-02-30 into March 1st; a typo in a date should be an error instead. */
function isCalendarDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const SIZE_UNITS = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;
const SIZE = /^(\d+(?:\.\d+)?)([KMG]?)B?$/i;

/** A size in bytes written as PHP and Messenger do: `134217728`, `512K`, `256M`, `1G` (or `256MB`); units of 1024. */
export function byteSize(flag: string, given: string | undefined) {
  if (given === undefined) return undefined;
  const match = SIZE.exec(given.trim());
  const bytes = match
    ? Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase() as keyof typeof SIZE_UNITS])
    : 0;
  if (bytes > 0) return bytes;
  throw invalid(flag, 'a size such as 128M, 512M or 1G (K, M and G are 1024, 1024² and 1024³ bytes)', given);
}

/** Positive whole numbers given as arguments (`failed show 12`), without repeats, in the order given. */
export function positiveIds(argument: string, given: readonly string[]): number[] {
  for (const id of given) {
    if (!/^\d+$/.test(id) || Number(id) < 1 || !Number.isSafeInteger(Number(id))) {
      throw usageError(`<${argument}>: expected a positive whole number, got ${JSON.stringify(id)}`);
    }
  }
  return [...new Set(given.map(Number))];
}
