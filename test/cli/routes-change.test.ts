/** `routeperf routes set` and `routes rename` as a user runs them, over a SQLite file. */
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest, readRoutes } from '../support/seed.js';
import { sqliteRows, sqliteUrl } from '../support/sqlite.js';

const DAY_MS = 86_400_000;

/** test: GET /old ×3 two days ago (rolled up by the time it is read) and ×2 now, GET /taken ×1; with access records. */
async function seeded() {
  const database = sqliteUrl();
  const old = (ts: number) => requestMetrics({ environment: 'test', route: '/old', requestTime: 40, ts });
  await ingest({ database, accessRecords: { enabled: true } }, [
    ...Array.from({ length: 3 }, () => old(Date.now() - 2 * DAY_MS)),
    ...Array.from({ length: 2 }, () => old(Date.now())),
    requestMetrics({ environment: 'test', route: '/taken' }),
  ]);
  const cwd = tempFolder({ database, environment: 'test' });
  const routes = async () =>
    Object.fromEntries(
      (await readRoutes({ database, environment: 'test' })).map((r) => [`${r.method} ${r.route}`, r.count]),
    );
  const records = (route: string) =>
    sqliteRows<{ n: number }>(
      database,
      'select count(*) as n from routeperf_access_records a join routeperf_routes r on r.id = a.route_id where r.route = ?',
      route,
    )[0]!.n;
  return { database, cwd, routes, records };
}

describe.concurrent('routeperf routes set and rename', () => {
  it('routes set records one request with the figures given', async () => {
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test' });
    const args = [
      'routes',
      'set',
      'post',
      '/orders',
      '--request-time',
      '950',
      '--status',
      '500',
      '--queries',
      '12',
    ];
    const result = await runCli([...args, '--query-time', '30.5', '--memory', '48M', '--at', '10m'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /: recorded a request of POST \/orders of environment "test": 950 ms, status 500, at \S+Z\.\n$/,
    );
    const [route] = await readRoutes({ database, environment: 'test' });
    expect(route).toMatchObject({
      method: 'POST',
      route: '/orders',
      count: 1,
      statusCodes: { '500': 1 },
      errorRate: 1,
    });
    expect(route!.requestTime.avg).toBe(950);
    expect(route!.queries).toMatchObject({ avg: 12, timeAvg: 30.5 });
    expect(route!.memory.max).toBe(48 * 1024 * 1024);
    expect(Date.now() - route!.lastAccessedAt.getTime()).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
  });

  it.each([
    [['GET', '/x'], '--request-time: required, e.g. --request-time 120'],
    [
      ['GET', '/x', '--request-time', 'slow'],
      '--request-time: expected a number of milliseconds, 0 or more, got "slow"',
    ],
    [
      ['GET', '/x', '--request-time', '5', '--status', '700'],
      '--status: expected a whole number from 100 to 599, got "700"',
    ],
    [
      ['G3T', '/x', '--request-time', '5'],
      '<method>: expected an HTTP method such as GET or POST, got "G3T"',
    ],
  ])('routes set %j exits 2 naming what is wrong, and records nothing', async (args, message) => {
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test' });
    const result = await runCli(['routes', 'set', ...args], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('routes rename moves the minutes, rolled-up buckets and access records to the new template', async () => {
    const { cwd, routes, records } = await seeded();
    expect((await runCli(['rollup'], { cwd })).code).toBe(0);
    const result = await runCli(['routes', 'rename', 'GET', '/old', '/new'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: moved GET \/old to GET \/new in environment "test" \(5 requests\)\.\n$/);
    expect(await routes()).toEqual({ 'GET /new': 5, 'GET /taken': 1 });
    expect([records('/old'), records('/new')]).toEqual([0, 5]);
  });

  it('routes rename refuses a target that holds requests, and one that was never recorded, changing nothing', async () => {
    const { cwd, routes, records } = await seeded();
    const taken = await runCli(['routes', 'rename', 'GET', '/old', '/taken'], { cwd });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(
      'routeperf routes rename: GET /taken of environment "test" already holds requests; run `routeperf routes delete GET /taken --yes` first',
    );
    const missing = await runCli(['routes', 'rename', 'GET', '/nowhere', '/new'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^routeperf routes rename: no route GET \/nowhere of environment "test" in /,
    );
    expect(await routes()).toEqual({ 'GET /old': 5, 'GET /taken': 1 });
    expect(records('/old')).toBe(5);
  });
});
