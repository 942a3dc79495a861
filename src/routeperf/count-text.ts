/**
 * Counts in English text, the same on every machine: for the CLI's reports, its and the dashboard's
 * downloads, and the problems of the diagnosis, which the CLI and the dashboard share.
 */

/** 1234567 → 1,234,567 (fixed locale so output does not depend on the machine). */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** `1 route`, `3 routes` */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** Requests per status code as one field a spreadsheet keeps as text: `200:12 500:1`. */
export function statusCountsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([code, count]) => `${code}:${count}`)
    .join(' ');
}
