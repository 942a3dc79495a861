import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';

const DAY_MS = 86_400_000;

/** A folder whose config keeps minutes a day and hours two, with requests stored but not rolled up. */
async function folderWithOldRequests(requests: number) {
  const cwd = tempFolder({
    database: 'sqlite:./routeperf.sqlite',
    retention: { minutes: '24h', hours: '2d' },
  });
  const store = new Store({
    database: `sqlite:${join(cwd, 'routeperf.sqlite')}`,
    tablePrefix: 'routeperf_',
    environment: 'development',
    autoSetup: true,
    autoRollup: false,
    maxRoutes: 1000,
    accessRecords: { enabled: false, retentionDays: null },
    onBackgroundError: () => {},
  });
  const start = Date.now() - 4 * DAY_MS;
  await store.ingest(
    Array.from({ length: requests }, (_, i) =>
      requestMetrics({ ts: start + i * 97_000, environment: 'development', route: `/r${i % 3}` }),
    ),
  );
  await store.close();
  return cwd;
}

it('routeperf rollup moves the finished minutes, deletes what retention has passed, and says so', async () => {
  const cwd = await folderWithOldRequests(3_000);
  const before = await runCli(['routes', '--format', 'json'], { cwd });
  expect(before.code).toBe(0);

  const first = await runCli(['rollup', '--format', 'json'], { cwd });
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  const result = JSON.parse(first.stdout);
  expect(result).toMatchObject({ folded: 3_000, requests: 3_000 });
  // Minutes older than a day and hours older than two went.
  expect(result.expired).toBeGreaterThan(2_000);

  const again = await runCli(['rollup'], { cwd });
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/rolled up 0 minute buckets \(0 requests\), deleted 0 expired buckets\.\n$/);

  const after = await runCli(['routes', '--format', 'json'], { cwd });
  const counts = (output: string) =>
    Object.fromEntries(
      JSON.parse(output).map((row: { route: string; count: number }) => [row.route, row.count]),
    );
  expect(counts(after.stdout)).toEqual(counts(before.stdout));
});

it('routeperf rollup refuses a retention that keeps hours for less time than minutes, naming the keys', async () => {
  const cwd = tempFolder({
    database: 'sqlite:./routeperf.sqlite',
    retention: { minutes: '30d', hours: '7d' },
  });
  const result = await runCli(['rollup'], { cwd });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('retention.hours: expected at least retention.minutes (30d)');
  expect(result.stderr).toContain('got "7d"');
});
