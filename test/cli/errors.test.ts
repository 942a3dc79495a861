import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

/** Nothing listens on port 1 of loopback: connecting is refused at once. */
const UNREACHABLE_POSTGRES = 'postgres://postgres@127.0.0.1:1/routeperf';

describe.concurrent('routeperf command-line mistakes exit 2 with a message that names them', () => {
  // The database these commands would use if their arguments were right.
  const cwd = tempFolder({
    database: 'sqlite:./never-created.sqlite',
    transports: { metrics: 'redis://127.0.0.1:6379/metrics', local: 'memory://' },
  });

  const cases: [title: string, args: string[], message: string][] = [
    [
      'an unknown command',
      ['frobnicate'],
      'routeperf: unknown command "frobnicate"; expected a command: migrate, routes, rollup, rebuild, purge, dashboard, serve-metrics, export, consume, stop-workers, alerts, failed, diagnose, check-deps, demo or help',
    ],
    ['a misspelled command', ['rotues'], 'did you mean routes?'],
    [
      'an unknown option',
      ['routes', '--colour', 'red'],
      'routeperf routes: unknown option --colour; expected one of --environment, --since',
    ],
    ['a misspelled option', ['routes', '--sinse', '1h'], 'did you mean --since?'],
    ['a positional argument', ['migrate', 'now'], 'routeperf migrate: unexpected argument "now"'],
    ['an option without its value', ['routes', '--since'], '--since: expected a value, got nothing'],
    [
      'an option followed by another',
      ['routes', '--limit', '--sort', 'count'],
      '--limit: expected a value, got the option "--sort"',
    ],
    ['a value for a flag', ['demo', '--no-serve=yes'], '--no-serve: expected no value, got "yes"'],
    [
      'a bad --since',
      ['routes', '--since', 'yesterday'],
      '--since: expected a duration such as 30m, 1h, 24h or 7d, or an ISO date such as 2024-05-01T12:00Z, got "yesterday"',
    ],
    [
      'a bad --until',
      ['routes', '--until', '2024-13-45'],
      '--until: expected a duration such as 30m, 1h, 24h or 7d, or an ISO date such as 2024-05-01T12:00Z, got "2024-13-45"',
    ],
    [
      '--until before --since',
      ['routes', '--since', '1h', '--until', '2h'],
      '--until: expected a time after --since (1h ago), got "2h"',
    ],
    ['a bad --format', ['routes', '--format', 'xml'], '--format: expected table, json or csv, got "xml"'],
    [
      'a word for --limit',
      ['routes', '--limit', 'ten'],
      '--limit: expected a whole number of at least 1, got "ten"',
    ],
    [
      'zero for --limit',
      ['routes', '--limit', '0'],
      '--limit: expected a whole number of at least 1, got "0"',
    ],
    [
      'a bad --sort',
      ['routes', '--sort', 'speed'],
      '--sort: expected avg, max, p50, p90, p95, p99, count, errorRate, queries, queryTime, nPlusOne, memory, route or lastAccessed, got "speed"',
    ],
    ['a bad --order', ['routes', '--order', 'up'], '--order: expected asc or desc, got "up"'],
    [
      'a bad --method',
      ['routes', '--method', 'GET /'],
      '--method: expected an HTTP method such as GET or POST, got "GET /"',
    ],
    [
      'a bad --port',
      ['demo', '--port', '70000'],
      '--port: expected a whole number from 0 to 65535, got "70000"',
    ],
    [
      'a bad --duration',
      ['demo', '--duration', '0'],
      '--duration: expected a number of seconds above 0, got "0"',
    ],
    [
      'a database URL of no known kind',
      ['migrate', '--database', 'ftp://example.com/db'],
      'database: expected a URL starting with sqlite:, postgres://',
    ],
    ['a config file that does not exist', ['routes', '--config', 'missing.json'], 'Config file not found'],
    [
      'a bad --memory-limit',
      ['consume', 'metrics', '--memory-limit', 'lots'],
      '--memory-limit: expected a size such as 128M, 512M or 1G (K, M and G are 1024, 1024² and 1024³ bytes), got "lots"',
    ],
    [
      'a bad --time-limit',
      ['consume', 'metrics', '--time-limit', '0'],
      '--time-limit: expected a number of seconds above 0, got "0"',
    ],
    [
      'a bad --batch-size',
      ['consume', 'metrics', '--batch-size', '1e3'],
      '--batch-size: expected a whole number of at least 1, got "1e3"',
    ],
    [
      'an unknown transport name, with the known ones',
      ['consume', 'metrix'],
      'unknown transport "metrix"; expected a name from "transports" (metrics, local) or a DSN such as redis://127.0.0.1:6379/routeperf; did you mean metrics?',
    ],
    [
      'a transport DSN of no known kind',
      ['consume', 'kafka://127.0.0.1:9092'],
      'transport: expected a DSN starting with sync://',
    ],
    [
      'consume on sync:// (nothing configured)',
      ['consume'],
      "routeperf consume: the configured transport is sync://: its messages are handled inside the app's own process and never reach another one, so there is nothing to consume.",
    ],
    [
      'consume on memory://',
      ['consume', 'local'],
      "routeperf consume: memory:// is an in-process transport: its messages are handled inside the app's own process",
    ],
    ['consume on sync:// given as a DSN', ['consume', 'sync://'], 'sync:// is an in-process transport'],
    [
      '"failed" alone',
      ['failed'],
      'routeperf failed: expected list, show, retry or remove after "failed", got nothing',
    ],
    ['a misspelled failed command', ['failed', 'shwo', '1'], 'got "shwo"; did you mean show?'],
    ['failed show without an id', ['failed', 'show'], 'routeperf failed show: expected <id>, got nothing'],
    [
      'failed show with two ids',
      ['failed', 'show', '1', '2'],
      'unexpected argument "2"; expected <id> and options only',
    ],
    [
      'an id that is not a number',
      ['failed', 'show', 'abc'],
      '<id>: expected a positive whole number, got "abc"',
    ],
    ['an id of 0', ['failed', 'retry', '0'], '<id>: expected a positive whole number, got "0"'],
    [
      'a fractional id',
      ['failed', 'remove', '1', '2.5'],
      '<id>: expected a positive whole number, got "2.5"',
    ],
    [
      'failed retry without ids or --all',
      ['failed', 'retry'],
      'expected ids of failed messages or --all, got nothing',
    ],
    [
      'failed remove with ids and --all',
      ['failed', 'remove', '3', '--all'],
      'expected ids or --all, got both (3 and --all)',
    ],
    [
      'a bad diagnose --format',
      ['diagnose', '--format', 'yaml'],
      '--format: expected table or json, got "yaml"',
    ],
    [
      'an argument to stop-workers',
      ['stop-workers', 'now'],
      'routeperf stop-workers: unexpected argument "now"',
    ],
  ];

  for (const [title, args, message] of cases) {
    it(title, async ({ expect }) => {
      const result = await runCli(args, { cwd });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      // Arguments are checked before anything touches the database.
      expect(existsSync(join(cwd, 'never-created.sqlite'))).toBe(false);
    });
  }

  it('usage errors point to the help of their command', async ({ expect }) => {
    const result = await runCli(['routes', '--format', 'xml'], { cwd });
    expect(result.stderr).toContain('Run "routeperf routes --help" for usage.');
    const failedShow = await runCli(['failed', 'show', 'x'], { cwd });
    expect(failedShow.stderr).toContain('Run "routeperf failed show --help" for usage.');
    const failed = await runCli(['failed', 'shwo'], { cwd });
    expect(failed.stderr).toContain('Run "routeperf failed --help" for usage.');
    const unknown = await runCli(['frobnicate'], { cwd });
    expect(unknown.stderr).toContain('Run "routeperf --help" for usage.');
  });
});

describe.concurrent('routeperf configuration errors exit 2 with the config message', () => {
  for (const command of ['migrate', 'routes']) {
    it(`${command} with samplingRate "half" in routeperf.config.json`, async ({ expect }) => {
      const cwd = tempFolder({ samplingRate: 'half' });
      const result = await runCli([command], { cwd });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(join(cwd, 'routeperf.config.json'));
      expect(result.stderr).toContain('samplingRate: expected a number from 0 to 1, got "half"');
    });
  }

  it('an unknown key in a file given with --config, with a hint', async ({ expect }) => {
    const cwd = tempFolder();
    const other = tempFolder({ tablePrefx: 'app_' });
    const result = await runCli(['routes', '--config', join(other, 'routeperf.config.json')], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tablePrefx: unknown key; did you mean "tablePrefix"?');
  });

  it('an empty --database', async ({ expect }) => {
    const result = await runCli(['routes', '--database', ''], { cwd: tempFolder() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid routeperf configuration (command line)');
    expect(result.stderr).toContain('database: expected a database URL');
  });
});

describe.concurrent('routeperf with an unreachable database exits 1', () => {
  for (const args of [
    ['migrate'],
    ['routes'],
    ['routes', '--format', 'json'],
    ['stop-workers'],
    ['failed', 'list'],
    ['failed', 'show', '1'],
    ['failed', 'retry', '--all'],
    ['failed', 'remove', '1'],
  ]) {
    it(args.join(' '), async ({ expect }) => {
      const result = await runCli([...args, '--database', UNREACHABLE_POSTGRES], { cwd: tempFolder() });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('postgres://postgres@127.0.0.1:1/routeperf');
      expect(result.stderr).toContain('ECONNREFUSED');
      expect(result.stderr).toContain('Check that the database is running');
    });
  }
});
