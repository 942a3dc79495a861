import { describe, expect, it } from 'vitest';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf } from '../../src/routeperf.js';
import { DELETE_BATCH } from '../../src/store/batched-delete.js';
import { runCli, runCliOnTerminal, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest } from '../support/seed.js';
import { sqliteRows, sqliteUrl } from '../support/sqlite.js';
import { queueSetup, recordMessages } from './queue.js';

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => Date.now() - days * DAY_MS;

/** Access records by environment and age in days, with requests as the recorder makes them. */
function records(environment: string, ageInDays: number, count = 1) {
  return Array.from({ length: count }, () => requestMetrics({ environment, ts: daysAgo(ageInDays) }));
}

const recordCount = (database: string, environment?: string) =>
  sqliteRows<{ n: number }>(
    database,
    `select count(*) as n from routeperf_access_records a join routeperf_routes r on r.id = a.route_id
     where ? is null or r.environment = ?`,
    environment ?? null,
    environment ?? null,
  )[0]!.n;

/** A SQLite store with access records: test (3 of 40 days, 2 of 1 day), staging (2 of 40 days), and failed messages of 40 days and now. */
async function seededFolder() {
  const database = sqliteUrl();
  const target = { database, accessRecords: { enabled: true } };
  await ingest(target, [...records('test', 40, 3), ...records('test', 1, 2), ...records('staging', 40, 2)]);
  const routeperf = await createRouteperf({
    database,
    environment: 'test',
    logger: { info() {}, warn() {}, error() {} },
  });
  const failures = await internalsOf(routeperf).store.failures();
  await failures.add([
    { messageId: null, transport: 'redis://', body: 'old', error: 'old failure', attempts: 3 },
    { messageId: null, transport: 'redis://', body: 'new', error: 'new failure', attempts: 3 },
  ]);
  await routeperf.close();
  // The first failed a month ago: the failure store stamps the time it is told of, so move it back.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(database.slice('sqlite:'.length));
  db.prepare("update routeperf_failed_messages set failed_at = ? where body = 'old'").run(daysAgo(40));
  db.close();
  return { database, cwd: tempFolder({ database, environment: 'test' }) };
}

describe.concurrent('routeperf purge', () => {
  it('deletes the access records older than the age, of every environment, and says how many', async () => {
    const { database, cwd } = await seededFolder();
    const result = await runCli(['purge', '--older-than', '30d'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /: deleted 5 access records of every environment, from before \d{4}-\d\d-\d\dT[\d:.]+Z \(30d ago\)\.\n$/,
    );
    expect([recordCount(database, 'test'), recordCount(database, 'staging')]).toEqual([2, 0]);
    expect(sqliteRows(database, 'select body from routeperf_failed_messages order by id')).toHaveLength(2);

    const again = await runCli(['purge', '--older-than', '30d', '--format', 'json'], { cwd });
    expect(JSON.parse(again.stdout)).toMatchObject({ deleted: { accessRecords: 0, failedMessages: null } });
  });

  it('--environment keeps to one environment; --failed also deletes the old failed messages', async () => {
    const { database, cwd } = await seededFolder();
    const result = await runCli(
      ['purge', '--older-than', '30d', '--environment', 'staging', '--failed', '--format', 'json'],
      { cwd },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      olderThan: expect.stringMatching(/Z$/),
      environment: 'staging',
      deleted: { accessRecords: 2, failedMessages: 1 },
    });
    expect([recordCount(database, 'test'), recordCount(database, 'staging')]).toEqual([5, 0]);
    expect(sqliteRows(database, 'select body from routeperf_failed_messages')).toEqual([{ body: 'new' }]);
  });

  it('deletes in batches of a few thousand rows, every one of them', async () => {
    const database = sqliteUrl();
    const count = 2 * DELETE_BATCH + 17;
    await ingest({ database, accessRecords: { enabled: true } }, records('test', 10, count));
    const cwd = tempFolder({ database, environment: 'test' });
    const result = await runCli(['purge', '--older-than', '2d', '--format', 'json'], { cwd });
    expect(JSON.parse(result.stdout).deleted.accessRecords).toBe(count);
    expect(recordCount(database)).toBe(0);
  });

  it('draws a progress bar on a terminal, and none in a pipe', async () => {
    const { cwd } = await seededFolder();
    // `script` gives the command a terminal of its own; its output is the terminal's.
    const onTerminal = await runCliOnTerminal(['purge', '--older-than', '30d'], { cwd });
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stdout).toContain('Deleting access records [');
    expect(onTerminal.stdout).toContain('deleted 5 access records');

    const piped = await seededFolder();
    const inPipe = await runCli(['purge', '--older-than', '30d'], { cwd: piped.cwd, env: { CI: 'false' } });
    expect(inPipe.code).toBe(0);
    expect(inPipe.stderr).toBe('');
    expect(inPipe.stdout).toContain('deleted 5 access records');
  });

  it.each([
    [[], '--older-than: required, e.g. --older-than 30d'],
    [['--older-than', '30x'], '--older-than: expected a duration such as 30m, 1h, 24h or 7d'],
    [['--older-than', '7d', '--environment', ''], '--environment: expected a non-empty value, got ""'],
    [['--older-than', '7d', '--format', 'csv'], '--format: expected text or json, got "csv"'],
  ])('refuses %j with exit code 2, saying what it expected', async (args, message) => {
    const cwd = tempFolder({ database: sqliteUrl() });
    const result = await runCli(['purge', ...args], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('retention by the worker', () => {
  it('a worker with accessRecords.retentionDays deletes the older access records by itself', async () => {
    const { cwd, database, queue } = await queueSetup({ accessRecords: { enabled: true, retentionDays: 7 } });
    await ingest({ database, accessRecords: { enabled: true } }, records('test', 30, 4));
    expect(recordCount(database)).toBe(4);
    await queue.send(recordMessages(3));
    const result = await runCli(['consume', '--limit', '3'], { cwd });
    expect(result.code).toBe(0);
    // The 4 past retention are gone; the 3 the worker just stored are there.
    expect(recordCount(database)).toBe(3);
  });
});
