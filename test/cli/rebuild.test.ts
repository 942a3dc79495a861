import { describe, expect, it } from 'vitest';
import { runCli, runCliOnTerminal, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest, readRoutes } from '../support/seed.js';
import { sqliteRows, sqliteUrl } from '../support/sqlite.js';

const HOUR_MS = 3_600_000;
const ISO = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';

/**
 * A SQLite store of environment test with access records: 30 requests over the last day on two routes,
 * rolled up; and environment staging, recorded without them.
 */
async function seededFolder() {
  const database = sqliteUrl();
  const now = Date.now();
  const requests = Array.from({ length: 30 }, (_, i) =>
    requestMetrics({
      environment: 'test',
      route: i % 3 === 0 ? '/orders' : '/users/:id',
      ts: now - 2 * HOUR_MS - i * 40 * 60_000,
      requestTime: 5 + i,
      statusCode: i % 10 === 0 ? 500 : 200,
    }),
  );
  await ingest({ database, accessRecords: { enabled: true } }, requests);
  await ingest({ database }, [requestMetrics({ environment: 'staging', ts: now - HOUR_MS })]);
  // The rollup moves them out of the minute tables: the buckets to go wrong are the rolled-up ones.
  const cwd = tempFolder({ database, environment: 'test' });
  expect((await runCli(['rollup'], { cwd })).code).toBe(0);
  return { database, cwd, requests };
}

const counts = async (database: string) =>
  Object.fromEntries(
    (await readRoutes({ database, environment: 'test' }, { since: 0 })).map((route) => [
      route.route,
      route.count,
    ]),
  );

describe.concurrent('routeperf rebuild', () => {
  it('puts right the buckets of a route that lost its requests from the access records, and says what it did', async () => {
    const { database, cwd } = await seededFolder();
    const right = await counts(database);
    expect(right).toEqual({ '/orders': 10, '/users/:id': 20 });
    const file = database.slice('sqlite:'.length);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file);
    db.prepare(
      "delete from routeperf_rollups where route_id = (select id from routeperf_routes where route = '/orders')",
    ).run();
    db.close();
    expect(await counts(database)).toEqual({ '/users/:id': 20 });

    const result = await runCli(['rebuild'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `: rebuilt environment "test" from ${ISO} to ${ISO} from 30 access records; its buckets held \\d+ requests there\\.\\nSkipped environment "staging": no access records\\.\\n$`,
      ),
    );
    expect(await counts(database)).toEqual(right);
  });

  it('--dry-run --format json counts and changes nothing', async () => {
    const { database, cwd } = await seededFolder();
    const before = sqliteRows(
      database,
      'select * from routeperf_rollups order by resolution, bucket, route_id',
    );
    const result = await runCli(['rebuild', '--dry-run', '--environment', 'test', '--format', 'json'], {
      cwd,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      dryRun: true,
      environments: [
        {
          environment: 'test',
          from: expect.stringMatching(new RegExp(`^${ISO}$`)),
          to: expect.stringMatching(new RegExp(`^${ISO}$`)),
          accessRecords: 30,
          requestsBefore: 30,
        },
      ],
      skipped: [],
    });
    expect(
      sqliteRows(database, 'select * from routeperf_rollups order by resolution, bucket, route_id'),
    ).toEqual(before);
  });

  it('refuses with exit code 2 a window whose buckets hold requests that lost their access records', async () => {
    const { database, cwd, requests } = await seededFolder();
    expect((await runCli(['purge', '--older-than', '12h'], { cwd })).code).toBe(0);
    const before = await counts(database);
    const result = await runCli(['rebuild', '--since', '2d', '--environment', 'test'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^routeperf rebuild: Environment "test" has access records from ${ISO} on, and its buckets before ${ISO} hold \\d+ requests that have none \\(purged, or never written\\): rebuilding from ${ISO} would lose them\\. Use --since ${ISO} or later\\.\\n$`,
      ),
    );
    expect(await counts(database)).toEqual(before);
    // Without --since it starts where the records do, and loses nothing.
    const fromRecords = await runCli(['rebuild', '--environment', 'test', '--format', 'json'], { cwd });
    expect(fromRecords.code).toBe(0);
    const kept = requests.filter((m) => m.ts >= Date.now() - 12 * HOUR_MS).length;
    expect(JSON.parse(fromRecords.stdout).environments[0].accessRecords).toBeLessThanOrEqual(kept);
    expect(await counts(database)).toEqual(before);
  });

  it('draws a progress bar on a terminal', async () => {
    const { cwd } = await seededFolder();
    const onTerminal = await runCliOnTerminal(['rebuild', '--environment', 'test'], { cwd });
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stdout).toContain('Rebuilding from access records [');
    expect(onTerminal.stdout).toContain('from 30 access records');
  });

  it.each([
    [['--since', 'yesterday'], '--since: expected'],
    [['--since', '1h', '--until', '2h'], '--until: expected a time after --since (1h ago), got "2h"'],
    [['--environment', ''], '--environment: expected a non-empty value, got ""'],
    [['--format', 'csv'], '--format: expected text or json, got "csv"'],
    [['--environment', 'nowhere'], 'Environment "nowhere" has no routes.'],
  ])('refuses %j with exit code 2, saying what it expected', async (args, message) => {
    const { cwd } = await seededFolder();
    const result = await runCli(['rebuild', ...args], { cwd });
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(2);
  });
});
