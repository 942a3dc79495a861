import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

/** Nothing listens on port 1 of loopback: connecting is refused at once. */
const UNREACHABLE_POSTGRES = 'postgres://postgres@127.0.0.1:1/routeperf';

describe.concurrent('routeperf command-line mistakes exit 2 with a message that names them', () => {
  // The database these commands would use if their arguments were right.
  const cwd = tempFolder({ database: 'sqlite:./never-created.sqlite' });

  const cases: [title: string, args: string[], message: string][] = [
    [
      'an unknown command',
      ['frobnicate'],
      'routeperf: unknown command "frobnicate"; expected a command: migrate, routes, demo or help',
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
      '--sort: expected avg, max, p50, p90, p95, p99, count, errorRate, queries, queryTime, memory, route or lastAccessed, got "speed"',
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
  for (const args of [['migrate'], ['routes'], ['routes', '--format', 'json']]) {
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
