/**
 * `routeperf serve-metrics` as a user runs it: the compiled CLI in a child process over a SQLite file,
 * scraped over a real socket at the URL it prints, and stopped by SIGTERM.
 */
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/prometheus/index.js';
import { metrics } from '../dashboard/support.js';
import { collect, printed, runCli, spawnCli, tempFolder } from '../support/cli.js';
import { ingest } from '../support/seed.js';

describe('routeperf serve-metrics', () => {
  it('serves the stored routes at /metrics until SIGTERM', async () => {
    const cwd = tempFolder({ database: 'sqlite:./routeperf.sqlite', environment: 'test' });
    expect((await runCli(['migrate'], { cwd })).code).toBe(0);
    await ingest({ database: `sqlite:${join(cwd, 'routeperf.sqlite')}` }, [
      metrics({ environment: 'test', route: '/orders/:id' }),
      metrics({ environment: 'test', route: '/orders/:id', statusCode: 503 }),
    ]);
    const child = await spawnCli(['serve-metrics', '--port', '0', '--window', '15m'], { cwd });
    const done = collect(child);
    const [, url] = await printed(child, /Serving (http:\/\/127\.0\.0\.1:\d+)\/metrics /);

    const scrape = await fetch(`${url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = await scrape.text();
    const requests = parsePrometheusTextFormat(text).find(
      (family) => family.name === 'routeperf_requests_total',
    );
    expect(
      requests!.metrics.map((metric) => [metric.labels!.route, metric.labels!.status, Number(metric.value)]),
    ).toEqual([
      ['/orders/:id', '200', 1],
      ['/orders/:id', '503', 1],
    ]);
    expect(text).toContain('of the last 15m');
    const elsewhere = await fetch(`${url}/`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.text()).toBe('Not found: the metrics are at /metrics.\n');

    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^routeperf serve-metrics: .*routeperf\.sqlite, environment "test"\n/);
    expect(result.stdout).toMatch(/Stopped\.\n$/);
  });

  it.each([
    [
      ['--window', '90s'],
      '--window: expected a duration such as "5m" or "1h" (whole minutes or hours), got "90s"',
    ],
    [['--environment', ' '], '--environment: expected a non-empty value, got " "'],
    [['--port', '70000'], '--port: expected a whole number from 0 to 65535, got "70000"'],
  ])('refuses %j with exit code 2 and what it expected', async (args, message) => {
    const cwd = tempFolder({ database: 'sqlite:./routeperf.sqlite' });
    const result = await runCli(['serve-metrics', ...args], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
