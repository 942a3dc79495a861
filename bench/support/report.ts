import { availableParallelism, cpus, loadavg } from 'node:os';
import { unreachable as tcpUnreachable } from '../../test/support/reachability.js';

/** Other work on the machine skews the figures; the load average tells the reader how much there was. */
export function loadAverage(): string {
  const [one, five] = loadavg().map((load) => load.toFixed(2));
  return `${one} (1 min), ${five} (5 min)`;
}

/** The 1-minute load average alone, for a column. */
export function currentLoad(): string {
  return loadavg()[0]!.toFixed(2);
}

export function machine(): string {
  return [
    `date: ${new Date().toISOString()}`,
    `node: ${process.version} (${process.platform}/${process.arch})`,
    `cpu: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores`,
    `load average at start: ${loadAverage()}`,
  ].join('\n');
}

/** Aligned columns; those for which `rightAligned` says so (numbers) are padded on the left. */
export function formatTable(
  header: string[],
  rows: string[][],
  rightAligned: (column: number) => boolean,
): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A whole number with thousands separators: `52,318`. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Why the TCP service of `url` cannot be reached, or undefined when it can. */
export function unreachable(url: string, timeoutMs = 1500): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return tcpUnreachable(hostname.replace(/^\[(.*)\]$/, '$1'), Number(port), timeoutMs);
}
