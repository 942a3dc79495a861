/** `routeperf routes delete` and `routes clear` as a user runs them, over a SQLite file. */
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest, readRoutes } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';

/** test: GET /users/:id ×3, GET /orders ×2; staging: GET /users/:id ×4. */
async function seeded() {
  const database = sqliteUrl();
  await ingest({ database }, [
    ...Array.from({ length: 3 }, () => requestMetrics({ environment: 'test', route: '/users/:id' })),
    ...Array.from({ length: 2 }, () => requestMetrics({ environment: 'test', route: '/orders' })),
    ...Array.from({ length: 4 }, () => requestMetrics({ environment: 'staging', route: '/users/:id' })),
  ]);
  const counts = async (environment: string) =>
    Object.fromEntries(
      (await readRoutes({ database, environment })).map((route) => [
        `${route.method} ${route.route}`,
        route.count,
      ]),
    );
  return { database, cwd: tempFolder({ database, environment: 'test' }), counts };
}

describe.concurrent('routeperf routes delete and clear', () => {
  it('routes delete removes one route of one environment, after --yes, and says how many requests went', async () => {
    const { cwd, counts } = await seeded();
    const unconfirmed = await runCli(['routes', 'delete', 'get', '/users/:id'], { cwd });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(
      '--yes: required to delete everything recorded of GET /users/:id of environment "test"',
    );
    expect(await counts('test')).toEqual({ 'GET /users/:id': 3, 'GET /orders': 2 });

    const result = await runCli(['routes', 'delete', 'GET', '/users/:id', '--yes'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: deleted GET \/users\/:id of environment "test" \(3 requests\)\.\n$/);
    expect(await counts('test')).toEqual({ 'GET /orders': 2 });
    expect(await counts('staging')).toEqual({ 'GET /users/:id': 4 });
    // The report is still `routes`, not taken for a subcommand.
    const report = await runCli(['routes', '--format', 'json'], { cwd });
    expect((JSON.parse(report.stdout) as { route: string }[]).map((route) => route.route)).toEqual([
      '/orders',
    ]);
  });

  it('routes delete of a route never recorded exits 1 and says so', async () => {
    const { cwd } = await seeded();
    const result = await runCli(['routes', 'delete', 'GET', '/nowhere', '--yes'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^routeperf routes delete: no route GET \/nowhere of environment "test" in /,
    );
  });

  it('routes clear empties one environment, after --yes, and leaves the others', async () => {
    const { cwd, counts } = await seeded();
    expect((await runCli(['routes', 'clear', '--environment', 'staging'], { cwd })).code).toBe(2);
    const result = await runCli(['routes', 'clear', '--environment', 'staging', '--yes'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: cleared environment "staging" \(4 requests\)\.\n$/);
    expect(await counts('staging')).toEqual({});
    expect(await counts('test')).toEqual({ 'GET /users/:id': 3, 'GET /orders': 2 });
  });

  it.each([
    [['routes', 'delete'], 'expected <method>, got nothing'],
    [['routes', 'delete', 'GET'], 'expected <route>, got nothing'],
    [
      ['routes', 'delete', 'G E T', '/x', '--yes'],
      '<method>: expected an HTTP method such as GET or POST, got "G E T"',
    ],
    [['routes', 'delete', 'GET', ' ', '--yes'], '<route>: expected a non-empty value, got " "'],
  ])('refuses %j with exit code 2', async (args, message) => {
    const result = await runCli(args, { cwd: tempFolder({ database: sqliteUrl() }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
