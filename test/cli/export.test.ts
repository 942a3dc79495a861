/**
 * `routeperf export` as a user runs it, over a SQLite file: the stored requests read in batches to a
 * file or a pipe, the routes, the filters, and what a spreadsheet would take for a formula kept as text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_COLUMNS, ROUTE_COLUMNS } from '../../src/dashboard/exports.js';
import { collect, runCli, spawnCli, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';

const BOM = '\uFEFF';

/**
 * 2,500 requests a minute ago (three batches of the export's thousand): every tenth a 500, the even ones
 * to a route and a path written as spreadsheet formulas.
 */
async function seededFolder() {
  const database = sqliteUrl();
  const requests = Array.from({ length: 2500 }, (_, i) =>
    requestMetrics({
      id: `request-${String(i).padStart(4, '0')}`,
      environment: 'test',
      ts: Date.now() - 60_000,
      route: i % 2 ? '/users/:id' : '=cmd|calc',
      path: i % 2 ? `/users/${i}` : '@SUM(1)',
      statusCode: i % 10 ? 200 : 500,
    }),
  );
  await ingest({ database, accessRecords: { enabled: true } }, requests);
  return tempFolder({ database, environment: 'test' });
}

describe.concurrent('routeperf export', () => {
  it('writes every stored request to a CSV file, oldest first, formulas kept as text', async () => {
    const cwd = await seededFolder();
    const result = await runCli(['export', 'records', '--output', 'requests.csv'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Wrote 2,500 access records to requests.csv.\n');
    const lines = readFileSync(join(cwd, 'requests.csv'), 'utf8').split('\r\n');
    expect(lines[0]).toBe(BOM + RECORD_COLUMNS.map(([name]) => name).join(','));
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1).map((line) => line.split(','));
    expect(rows).toHaveLength(2500);
    expect(rows.map((row) => row[0])).toEqual(
      Array.from({ length: 2500 }, (_, i) => `request-${String(i).padStart(4, '0')}`),
    );
    const [first, second] = rows;
    expect([first![3], first![11]]).toEqual(["'=cmd|calc", "'@SUM(1)"]);
    expect([second![3], second![11]]).toEqual(['/users/:id', '/users/1']);
  });

  it('writes JSON to standard output, filtered by route and status', async () => {
    const cwd = await seededFolder();
    const result = await runCli(
      ['export', 'records', '--format', 'json', '--route', '/users/:id', '--status', '500', '--since', '1h'],
      { cwd },
    );
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as { route: string; statusCode: number; path: string }[];
    // Odd and a multiple of ten: none; so the 500s of /users/:id are none, and of the formula route 250.
    expect(records).toEqual([]);
    const formulas = await runCli(['export', 'records', '--format', 'json', '--status', '500'], { cwd });
    const errors = JSON.parse(formulas.stdout) as { route: string; statusCode: number }[];
    expect(errors).toHaveLength(250);
    expect(new Set(errors.map((record) => `${record.route} ${record.statusCode}`))).toEqual(
      new Set(['=cmd|calc 500']),
    );
  });

  it('writes the routes over the window, with the columns of the dashboard', async () => {
    const cwd = await seededFolder();
    const csv = await runCli(['export', 'routes', '--since', '1h'], { cwd });
    expect(csv.code).toBe(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).toBe(BOM + ROUTE_COLUMNS.map(([name]) => name).join(','));
    // Sorted by the template as stored: '/' before '='.
    expect(lines.slice(1, -1).map((line) => line.split(',').slice(0, 4))).toEqual([
      ['test', 'GET', '/users/:id', '1250'],
      ['test', 'GET', "'=cmd|calc", '1250'],
    ]);
    const json = await runCli(['export', 'routes', '--format', 'json', '--since', '2h', '--until', '90m'], {
      cwd,
    });
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('stops quietly when the reader of its output goes away', async () => {
    const cwd = await seededFolder();
    const child = await spawnCli(['export', 'records', '--format', 'json'], { cwd });
    child.stdout!.once('data', () => child.stdout!.destroy());
    const result = await collect(child);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each([
    [['recordz'], '<listing>: expected routes or records, got "recordz"; did you mean records?'],
    [['records', '--format', 'xml'], '--format: expected csv or json, got "xml"'],
    [
      ['records', '--output', 'missing/requests.csv'],
      '--output: could not write missing/requests.csv: its folder does not exist',
    ],
    [
      ['routes', '--status', '500'],
      '--status: filters records; export routes takes --route, --method and the window',
    ],
    [
      ['records', '--since', '1h', '--until', '2h'],
      '--until: expected a time after --since (1h ago), got "2h"',
    ],
  ])('refuses %j with exit code 2, saying what it expected', async (args, message) => {
    const cwd = tempFolder({ database: sqliteUrl() });
    const result = await runCli(['export', ...args], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
