import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { describeEachDatabase, dropTables, uniquePrefix } from '../support/databases.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest, readRoutes } from '../support/seed.js';

const HOUR_MS = 3_600_000;

/** Route templates of a `--format json` answer, in order. */
async function routesOf(args: string[], cwd: string, env?: Record<string, string>) {
  const result = await runCli(['routes', '--format', 'json', ...args], { cwd, env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { route: string }[]).map((row) => row.route);
}

/** A working folder whose routeperf.config.json points at a fresh SQLite file. */
function sqliteFolder() {
  const cwd = tempFolder({ database: 'sqlite:./routeperf.sqlite' });
  return { cwd, target: { database: `sqlite:${join(cwd, 'routeperf.sqlite')}` } };
}

// The tests of this file run concurrently: each works in a folder and tables of its own.
describe.concurrent('routeperf migrate and routes on every database', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const task of cleanup.splice(0)) await task();
  });

  describeEachDatabase((database) => {
    /** A folder whose config points at this database, under a table prefix of its own. */
    function folder() {
      const target = { database: database.url(), tablePrefix: uniquePrefix() };
      cleanup.push(() => dropTables(target.database, target.tablePrefix));
      return { cwd: tempFolder(target), target };
    }

    it('migrate applies the schema once, then says it is up to date', async () => {
      const { cwd } = folder();
      const first = await runCli(['migrate'], { cwd });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        /migrated\.\n {2}applied 0001_initial\n {2}applied 0002_async_recording\n {2}applied 0003_ledger_speed\n {2}applied 0004_correlation_id\n {2}applied 0005_environments\n {2}applied 0006_claim_tokens\n {2}applied 0007_query_repeats\n {2}applied 0008_rollups\n {2}applied 0009_route_reviews\n {2}applied 0010_dashboard_reads\n {2}applied 0011_quarter_days\n {2}applied 0012_alerts\n$/,
      );

      const second = await runCli(['migrate'], { cwd });
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/schema is up to date\.\n$/);
    });

    it('migrate --status lists the migrations pending, then applied and when', async () => {
      const { cwd } = folder();
      const status = async (format: 'json' | 'text') => {
        const result = await runCli(['migrate', '--status', '--format', format], { cwd });
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        return result.stdout;
      };
      type Status = { migrations: { name: string; status: string; appliedAt: string | null }[] };
      // A SQLite file that does not exist yet is one a status may not create (see read-only.test.ts).
      if (database.name !== 'sqlite') {
        const before = JSON.parse(await status('json')) as Status;
        expect(before.migrations.map((m) => [m.status, m.appliedAt])).toEqual(
          before.migrations.map(() => ['pending', null]),
        );
        expect(await status('text')).toMatch(/: 12 pending: run "routeperf migrate"\.\nstatus {3}migration/);
        expect(await status('json')).toBe(`${JSON.stringify(before)}\n`);
      }
      const startedAt = Date.now();
      expect((await runCli(['migrate'], { cwd })).code).toBe(0);
      const after = JSON.parse(await status('json')) as Status;
      expect(after.migrations.map((m) => m.name)).toEqual([
        '0001_initial',
        '0002_async_recording',
        '0003_ledger_speed',
        '0004_correlation_id',
        '0005_environments',
        '0006_claim_tokens',
        '0007_query_repeats',
        '0008_rollups',
        '0009_route_reviews',
        '0010_dashboard_reads',
        '0011_quarter_days',
        '0012_alerts',
      ]);
      for (const { status: state, appliedAt } of after.migrations) {
        expect(state).toBe('applied');
        // The databases keep the time to the second or the millisecond.
        expect(Date.parse(appliedAt!)).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
        expect(Date.parse(appliedAt!)).toBeLessThanOrEqual(Date.now());
      }
      const text = await status('text');
      expect(text).toMatch(
        /: schema is up to date\.\nstatus {3}migration {13}applied at \(UTC\)\napplied {2}0001_initial {10}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/,
      );
      expect(text.trim().split('\n')).toHaveLength(14);
    });

    it('routes --format json prints exactly what the read API returns', async () => {
      const { cwd, target } = folder();
      await ingest(target, [
        requestMetrics({ route: '/users/:id', requestTime: 10, statusCode: 200 }),
        requestMetrics({ route: '/users/:id', requestTime: 30, statusCode: 500, queryCount: 4 }),
        requestMetrics({ route: '/health', method: 'HEAD', requestTime: 1, queryCount: 0, queryTime: 0 }),
      ]);
      const result = await runCli(['routes', '--format', 'json'], { cwd });
      expect(result.code).toBe(0);
      const printed = JSON.parse(result.stdout);
      const api = await readRoutes({ ...target, environment: 'test' });
      expect(api).toHaveLength(2);
      // Through JSON, as a script sees them: dates become ISO strings, nothing else changes.
      expect(printed).toEqual(JSON.parse(JSON.stringify(api)));
      expect(printed[0]).toMatchObject({
        environment: 'test',
        method: 'GET',
        route: '/users/:id',
        count: 2,
        statusCodes: { '200': 1, '500': 1 },
        errorRate: 0.5,
        queries: { avg: 3, max: 4 },
        firstSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(Object.keys(printed[0]).sort()).toEqual(Object.keys(api[0]!).sort());
    });
  });
});

describe.concurrent('routeperf migrate with autoSetup off', () => {
  it('routes asks for migrate until it has run, then reports', async () => {
    const cwd = tempFolder({ database: 'sqlite:./manual.sqlite', autoSetup: false });
    const before = await runCli(['routes'], { cwd });
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('run `routeperf migrate`');

    expect((await runCli(['migrate'], { cwd })).stdout).toContain('applied 0001_initial');
    const after = await runCli(['routes'], { cwd });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('No requests recorded');
  });
});

describe.concurrent('routeperf routes output formats', () => {
  it('table: a heading, aligned columns in people units, and a total', async () => {
    const { cwd, target } = sqliteFolder();
    await ingest(target, [
      requestMetrics({ route: '/users/:id', requestTime: 10, statusCode: 200, queryCount: 2, queryTime: 3 }),
      requestMetrics({ route: '/users/:id', requestTime: 30, statusCode: 500, queryCount: 4, queryTime: 3 }),
      requestMetrics({
        route: '/health',
        requestTime: 1.234,
        queryCount: 0,
        queryTime: 0,
        memory: 1_500_000,
      }),
    ]);
    const result = await runCli(['routes'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Routes of environment "test", all time');
    expect(lines[1]).toBe('Database: sqlite:./routeperf.sqlite');

    const header = lines.findIndex((line) => line.startsWith('METHOD'));
    const table = lines.slice(header, header + 3);
    expect(table[0]!.split(/\s{2,}/)).toEqual([
      'METHOD',
      'ROUTE',
      'COUNT',
      'ERRORS',
      'AVG ms',
      'P50 ms',
      'P95 ms',
      'P99 ms',
      'MAX ms',
      'QUERIES',
      'QUERY ms',
      'N+1',
      'MEM MB',
    ]);
    // Right-aligned last column: every line of an aligned table has the same length.
    expect(new Set(table.map((line) => line.length)).size).toBe(1);

    const users = table[1]!.split(/\s{2,}/);
    expect(users.slice(0, 5)).toEqual(['GET', '/users/:id', '2', '50.0%', '20.0']);
    expect(users.slice(8)).toEqual(['30.0', '3', '3.00', '-', '50.0']);
    const health = table[2]!.split(/\s{2,}/);
    expect(health.slice(0, 5)).toEqual(['GET', '/health', '1', '0.0%', '1.23']);
    expect(health.slice(8)).toEqual(['1.23', '0', '0.00', '-', '1.5']);
    expect(result.stdout).toContain('2 routes, 3 requests.');
    expect(result.stdout).not.toContain('N+1 suspects');
  });

  it('table: flags the routes with N+1 requests, with the statement they repeated', async () => {
    const { cwd, target } = sqliteFolder();
    const shape = 'select * from items where order_id = ?';
    await ingest(target, [
      requestMetrics({ route: '/orders', queryCount: 51, queryRepeat: 50, repeatedQuery: shape }),
      requestMetrics({ route: '/orders', queryCount: 3, queryRepeat: 2, repeatedQuery: shape }),
      requestMetrics({ route: '/health', queryCount: 5, queryRepeat: 5, repeatedQuery: 'select ?' }),
    ]);
    const result = await runCli(['routes', '--sort', 'nPlusOne'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('METHOD'));
    const column = lines[header]!.split(/\s{2,}/).indexOf('N+1');
    expect(lines[header + 1]!.split(/\s{2,}/).slice(1, 2)).toEqual(['/orders']);
    expect(lines[header + 1]!.split(/\s{2,}/)[column]).toBe('1');
    // Five runs of one statement are not more than the default threshold of 5.
    expect(lines[header + 2]!.split(/\s{2,}/)[column]).toBe('-');
    expect(result.stdout).toContain('N+1: requests that ran one SQL statement more than 5 times');
    expect(result.stdout).toContain(`  GET /orders: 50× ${shape}`);
    expect(result.stdout).not.toContain('GET /health: ');
  });

  it('table: a friendly message when there is nothing to show', async () => {
    const { cwd } = sqliteFolder();
    expect((await runCli(['migrate'], { cwd })).code).toBe(0);
    const result = await runCli(['routes', '--since', '30m'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^No requests recorded \(environment "test", since 30m ago, in sqlite:\.\/routeperf\.sqlite\)\./,
    );
    expect(result.stdout).toContain('routeperf demo');
  });

  it('json: an empty array when there is nothing to show', async () => {
    const { cwd } = sqliteFolder();
    expect((await runCli(['migrate'], { cwd })).code).toBe(0);
    const result = await runCli(['routes', '--format', 'json'], { cwd });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('csv: a header line and one properly quoted line per route', async () => {
    const { cwd, target } = sqliteFolder();
    const at = Date.now();
    await ingest(target, [
      requestMetrics({ ts: at, route: '/users/:id', requestTime: 10, statusCode: 200 }),
      requestMetrics({ ts: at, route: '/users/:id', requestTime: 30, statusCode: 500 }),
      requestMetrics({ ts: at, route: '/search,"quoted"', requestTime: 5 }),
    ]);
    const result = await runCli(['routes', '--format', 'csv'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'environment,method,route,count,error_rate,status_codes,min_ms,avg_ms,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,' +
        'queries_avg,queries_max,query_time_avg_ms,query_time_max_ms,n_plus_one_requests,query_repeat_max,' +
        'repeated_query,memory_avg_bytes,memory_max_bytes,' +
        'first_seen_at,last_accessed_at',
    );
    const header = lines[0]!.split(',');
    const rows = lines
      .slice(1)
      .map((line) => Object.fromEntries(parseCsvLine(line).map((v, i) => [header[i], v])));
    expect(rows[0]).toMatchObject({
      environment: 'test',
      method: 'GET',
      route: '/users/:id',
      count: '2',
      error_rate: '0.5',
      status_codes: '200:1 500:1',
      min_ms: '10',
      avg_ms: '20',
      max_ms: '30',
      queries_avg: '2',
      memory_avg_bytes: '50000000',
    });
    expect(new Date(rows[0]!.first_seen_at!).getTime()).toBeGreaterThan(0);
    expect(lines[2]).toContain(',"/search,""quoted""",');
    expect(rows[1]!.route).toBe('/search,"quoted"');
  });
});

describe.concurrent('routeperf routes filters', () => {
  it('--since and --until keep the requests of their window', async () => {
    const { cwd, target } = sqliteFolder();
    const now = Date.now();
    await ingest(target, [
      requestMetrics({ ts: now - 2 * HOUR_MS, route: '/old' }),
      requestMetrics({ ts: now, route: '/new' }),
    ]);
    const sorted = (routes: string[]) => [...routes].sort();
    expect(await routesOf(['--since', '1h'], cwd)).toEqual(['/new']);
    expect(sorted(await routesOf(['--since', '3h'], cwd))).toEqual(['/new', '/old']);
    expect(await routesOf(['--until', '1h'], cwd)).toEqual(['/old']);
    expect(await routesOf(['--since', new Date(now - 30 * 60_000).toISOString()], cwd)).toEqual(['/new']);
    expect(await routesOf(['--since', '7d', '--until', '90m'], cwd)).toEqual(['/old']);
  });

  it('--sort, --order and --limit choose and order the routes', async () => {
    const { cwd, target } = sqliteFolder();
    await ingest(target, [
      ...[1, 2, 3].map(() => requestMetrics({ route: '/busy', requestTime: 5 })),
      ...[1, 2].map(() => requestMetrics({ route: '/mid', requestTime: 20 })),
      requestMetrics({ route: '/rare', requestTime: 50 }),
    ]);
    expect(await routesOf([], cwd)).toEqual(['/rare', '/mid', '/busy']);
    expect(await routesOf(['--sort', 'count', '--limit', '1'], cwd)).toEqual(['/busy']);
    expect(await routesOf(['--sort', 'count', '--order', 'asc', '--limit', '2'], cwd)).toEqual([
      '/rare',
      '/mid',
    ]);
    expect(await routesOf(['--sort', 'route'], cwd)).toEqual(['/busy', '/mid', '/rare']);
  });

  it('--method and --search narrow the routes', async () => {
    const { cwd, target } = sqliteFolder();
    await ingest(target, [
      requestMetrics({ method: 'POST', route: '/users' }),
      requestMetrics({ method: 'GET', route: '/users/:id' }),
      requestMetrics({ method: 'GET', route: '/health' }),
    ]);
    expect(await routesOf(['--method', 'post'], cwd)).toEqual(['/users']);
    expect((await routesOf(['--search', 'USERS'], cwd)).sort()).toEqual(['/users', '/users/:id']);
    expect(await routesOf(['--search', 'users', '--method', 'GET'], cwd)).toEqual(['/users/:id']);
  });
});

describe.concurrent('routeperf routes environment and configuration layers', () => {
  it('reports the current environment unless --environment names another', async () => {
    const { cwd, target } = sqliteFolder();
    await ingest(target, [
      requestMetrics({ environment: 'test', route: '/in-test' }),
      requestMetrics({ environment: 'production', route: '/in-production' }),
    ]);
    expect(await routesOf([], cwd)).toEqual(['/in-test']);
    expect(await routesOf([], cwd, { ROUTEPERF_ENV: 'production' })).toEqual(['/in-production']);
    expect(await routesOf(['--environment', 'production'], cwd)).toEqual(['/in-production']);
  });

  it('--environment applies that environment overrides, such as its own database', async () => {
    const cwd = tempFolder({
      database: 'sqlite:./development.sqlite',
      overrides: { production: { database: 'sqlite:./production.sqlite' } },
    });
    await ingest({ database: `sqlite:${join(cwd, 'production.sqlite')}` }, [
      requestMetrics({ environment: 'production', route: '/checkout' }),
    ]);
    expect(await routesOf(['--environment', 'production'], cwd)).toEqual(['/checkout']);
  });

  it('--config replaces the config file of the folder, and --database wins over both', async () => {
    const cwd = tempFolder({ database: 'sqlite:./ignored.sqlite' });
    const elsewhere = tempFolder({ database: `sqlite:${join(cwd, 'configured.sqlite')}` });
    await ingest({ database: `sqlite:${join(cwd, 'configured.sqlite')}` }, [
      requestMetrics({ route: '/configured' }),
    ]);
    await ingest({ database: `sqlite:${join(cwd, 'flag.sqlite')}` }, [requestMetrics({ route: '/flag' })]);
    const config = join(elsewhere, 'routeperf.config.json');
    expect(await routesOf(['--config', config], cwd)).toEqual(['/configured']);
    expect(await routesOf(['--config', config, '--database', 'sqlite:./flag.sqlite'], cwd)).toEqual([
      '/flag',
    ]);
  });
});

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  const field = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (const match of line.matchAll(field)) {
    const raw = match[1]!;
    fields.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (match[2] === '') break;
  }
  return fields;
}
