/** Small text helpers for the CLI's reports: aligned tables, CSV and human units (counts: routeperf/count-text.ts). */

export interface Column<Row> {
  header: string;
  align: 'left' | 'right';
  cell(row: Row): string;
  /** Longer cells are cut with an ellipsis so that one long route does not push every column away. */
  maxWidth?: number;
}

/**
 * Columns padded to their widest cell, two spaces apart, no trailing spaces. Cells are made printable, so
 * that a stored value (a route, a host) cannot break a row or send escape sequences to the terminal.
 */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  { withHeader = true } = {},
): string {
  const cells = rows.map((row) =>
    columns.map((column) => truncate(printable(column.cell(row)), column.maxWidth)),
  );
  const headers = withHeader ? [columns.map((column) => column.header)] : [];
  const lines = [...headers, ...cells];
  const widths = columns.map((_, i) => Math.max(0, ...lines.map((line) => line[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, i) =>
        columns[i]!.align === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return lines.map(line).join('\n');
}

export function truncate(text: string, width = Infinity): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with each control character written as an escape (`\n`, `\x1b`): one line, no terminal codes. */
export function printable(text: string): string {
  return text.replace(CONTROL, (char) => NAMED_ESCAPES[char] ?? codeEscape(char.charCodeAt(0)));
}

/** The same, line by line: for text of several lines such as an error with its stack. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

function codeEscape(code: number): string {
  const hex = code.toString(16);
  return code > 0xff ? `\\u${hex.padStart(4, '0')}` : `\\x${hex.padStart(2, '0')}`;
}

/**
 * Text a spreadsheet would run as a formula (OWASP's CSV injection list): a leading `=`, `+`, `-`, `@`,
 * tab or carriage return.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. Text that a spreadsheet
 * would run as a formula gets a leading `'` and quotes, as OWASP recommends; numbers (negative ones too)
 * stay numbers.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
  if (FORMULA_START.test(value)) return quoted(`'${value}`);
  return /[",\r\n]/.test(value) ? quoted(value) : value;
}

export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',');
}

/** Milliseconds with the precision a person can use: 0.42, 5.13, 52.3, 1234. */
export function formatMs(ms: number): string {
  if (ms < 10) return ms.toFixed(2);
  if (ms < 1000) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A share 0..1 as a percentage: 0.1234 → 12.3%. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Bytes in megabytes (10^6 bytes): 85_234_688 → 85.2. */
export function formatMegabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** An average of whole things (queries): whole numbers stay whole, others get one decimal. */
export function formatAverage(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
