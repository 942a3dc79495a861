/** Small text helpers for the CLI's reports: aligned tables, CSV and human units. */

export interface Column<Row> {
  header: string;
  align: 'left' | 'right';
  cell(row: Row): string;
  /** Longer cells are cut with an ellipsis so that one long route does not push every column away. */
  maxWidth?: number;
}

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  { withHeader = true } = {},
): string {
  const cells = rows.map((row) => columns.map((column) => truncate(column.cell(row), column.maxWidth)));
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

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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

/** 1234567 → 1,234,567 (fixed locale so output does not depend on the machine). */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** `1 route`, `3 routes` */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}
