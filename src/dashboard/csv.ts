/**
 * CSV as spreadsheets read it: UTF-8 with a byte order mark (without it Excel takes the file for its own
 * code page), CRLF line ends, and cells quoted when they hold a comma, a quote or a line break (RFC 4180).
 * A text cell that a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return) gets a leading `'`, so that a route or path recorded as `=HYPERLINK(…)` stays text.
 */

/** What a cell may hold: text, a number, a date (written in ISO 8601), or nothing. */
export type CsvValue = string | number | boolean | Date | null | undefined;

export const BYTE_ORDER_MARK = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: neutralised when it is text that starts like a formula, then quoted when it must be. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row, without its line end (CRLF). */
export const csvRow = (cells: readonly CsvValue[]) => cells.map(csvCell).join(',');

/** A whole CSV file: the byte order mark, the header row, then one row per record. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `${BYTE_ORDER_MARK}${[header, ...rows].map(csvRow).join('\r\n')}\r\n`;
}
