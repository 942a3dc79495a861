/**
 * Numbers, durations, sizes and dates as the pages show them, in the page's language, and the threshold
 * level of a figure, which colours its cell.
 */
import type { ResolvedThresholds } from '../config/types.js';

export class Formats {
  readonly #integer: Intl.NumberFormat;
  readonly #decimal: Intl.NumberFormat;
  readonly #percent: Intl.NumberFormat;
  readonly #date: Intl.DateTimeFormat;

  constructor(locale: string) {
    this.#integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    this.#decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    this.#percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    this.#date = new Intl.DateTimeFormat(locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'UTC',
    });
  }

  count(value: number): string {
    return this.#integer.format(value);
  }

  /** Milliseconds with one decimal under 100, whole above. */
  ms(value: number): string {
    return value < 100 ? this.#decimal.format(value) : this.#integer.format(value);
  }

  decimal(value: number): string {
    return this.#decimal.format(value);
  }

  percent(share: number): string {
    return this.#percent.format(share);
  }

  /** Bytes in MiB, KiB or bytes, whichever reads best. */
  bytes(value: number): string {
    if (value >= 1024 * 1024) return `${this.#decimal.format(value / (1024 * 1024))} MiB`;
    if (value >= 1024) return `${this.#decimal.format(value / 1024)} KiB`;
    return `${this.#integer.format(value)} B`;
  }

  /** A step width: `5 min`, `2 h`, `1 d`. */
  duration(ms: number): string {
    const minutes = ms / 60_000;
    if (minutes < 60) return `${this.#decimal.format(minutes)} min`;
    if (minutes < 24 * 60) return `${this.#decimal.format(minutes / 60)} h`;
    return `${this.#decimal.format(minutes / (24 * 60))} d`;
  }

  /** A date and time in UTC. */
  date(time: number | Date): string {
    return this.#date.format(time);
  }
}

export type Metric = keyof ResolvedThresholds;
export type Level = 'ok' | 'warning' | 'critical';

/** How a figure of `metric` stands against its thresholds. */
export function levelOf(thresholds: ResolvedThresholds, metric: Metric, value: number): Level {
  const { warning, critical } = thresholds[metric];
  if (value >= critical) return 'critical';
  if (value >= warning) return 'warning';
  return 'ok';
}
