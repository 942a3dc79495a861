import { describe, expect, it } from 'vitest';
import {
  csvLine,
  formatMegabytes,
  formatMs,
  formatPercent,
  printable,
  renderTable,
} from '../../src/cli/format.js';
import { pointInTime } from '../../src/cli/values.js';

describe('CLI formatting helpers', () => {
  it('quotes CSV fields only when they need it, doubling quotes', () => {
    expect(csvLine(['plain', 12.5, 'a,b', 'say "hi"', 'two\nlines', ''])).toBe(
      'plain,12.5,"a,b","say ""hi""","two\nlines",',
    );
  });

  it('neutralises CSV text a spreadsheet would run as a formula, and keeps numbers as numbers', () => {
    expect(csvLine(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', -1.5, 0, 'a-b'])).toBe(
      `"'=1+1","'+1","'-1","'@SUM(A1)","'\tx","'\rx",-1.5,0,a-b`,
    );
    expect(csvLine(['=HYPERLINK("http://x","y")'])).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it('writes control characters as escapes, in one line', () => {
    expect(printable('a\nb\rc\td\x1b[31me\x00f\x7fg\x9bh\u2028i é')).toBe(
      'a\\nb\\rc\\td\\x1b[31me\\x00f\\x7fg\\x9bh\\u2028i é',
    );
    const table = renderTable(
      [{ header: 'ROUTE', align: 'left', cell: (row: string) => row }],
      ['/a\nGET /b'],
    );
    expect(table.split('\n')).toEqual(['ROUTE', '/a\\nGET /b']);
  });

  it('gives milliseconds a precision that fits their size', () => {
    expect([0, 0.4242, 5.129, 52.34, 999.94, 1234.5].map(formatMs)).toEqual([
      '0.00',
      '0.42',
      '5.13',
      '52.3',
      '999.9',
      '1235',
    ]);
  });

  it('shows shares as percentages and bytes as megabytes', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatMegabytes(85_234_688)).toBe('85.2');
  });

  it('aligns table columns and cuts cells longer than their maximum width', () => {
    const table = renderTable(
      [
        { header: 'NAME', align: 'left', cell: (row: [string, number]) => row[0], maxWidth: 8 },
        { header: 'N', align: 'right', cell: (row: [string, number]) => String(row[1]) },
      ],
      [
        ['short', 5],
        ['a very long name', 12345],
      ],
    );
    expect(table.split('\n')).toEqual(['NAME          N', 'short         5', 'a very …  12345']);
  });
});

describe('--since and --until values', () => {
  const now = Date.UTC(2024, 4, 10, 12, 0, 0);

  it('reads durations as that long before now', () => {
    expect(pointInTime('since', '30m', now)?.at.toISOString()).toBe('2024-05-10T11:30:00.000Z');
    expect(pointInTime('since', '24h', now)?.at.toISOString()).toBe('2024-05-09T12:00:00.000Z');
    expect(pointInTime('since', '7d', now)?.at.toISOString()).toBe('2024-05-03T12:00:00.000Z');
    expect(pointInTime('since', '1.5h', now)?.label).toBe('1.5h ago');
  });

  it('reads ISO dates and rejects other dates', () => {
    expect(pointInTime('since', '2024-05-01T12:00Z', now)?.at.toISOString()).toBe('2024-05-01T12:00:00.000Z');
    expect(pointInTime('since', '2024-05-01', now)?.at.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    for (const bad of ['May 1, 2024', '1710000000', '2024-02-30', '2024-05-01T25:00Z', '-1h', '3 days'])
      expect(() => pointInTime('since', bad, now)).toThrow(`--since: expected a duration`);
  });
});
