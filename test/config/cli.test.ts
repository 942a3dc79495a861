import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

describe('routeperf with a configuration the store could not hold', () => {
  it.each([
    [
      'an environment longer than its column',
      { environment: 'e'.repeat(65) },
      'environment: expected an environment name of 1 to 64 characters',
    ],
    [
      'an environment with a NUL',
      { environment: 'prod\u0000' },
      'environment: expected an environment name of 1 to 64 characters, without control characters or lone surrogates, got "prod\\u0000"',
    ],
    [
      'a table prefix that makes index names too long',
      { tablePrefix: `t${'x'.repeat(39)}` },
      'tablePrefix: expected letters, digits and underscores, starting with a letter (32 at most',
    ],
  ])('%s: exits 2 naming the key', async (_, config, message) => {
    const result = await runCli(['routes'], { cwd: tempFolder(config) });
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(2);
  });
});

describe('routeperf diagnose', () => {
  it('reports an environment that is not in `environments` as a problem, and exits 1', async () => {
    const cwd = tempFolder();
    const database = `sqlite:${join(cwd, 'routeperf.sqlite')}`;
    const config = tempFolder({ database, environment: 'staging' });
    expect((await runCli(['migrate', '--database', database], { cwd })).code).toBe(0);

    const result = await runCli(['diagnose', '--format', 'json'], { cwd: config });
    const diagnosis = JSON.parse(result.stdout);
    expect(diagnosis.problems.map((problem: { code: string }) => problem.code)).toEqual([
      'environment-not-recorded',
    ]);
    expect(diagnosis.problems[0].message).toContain(
      'environment "staging" is not in environments [production, development, test]',
    );
    expect(diagnosis.configuration.recording.on).toBe(false);
    expect(result.code).toBe(1);
  });

  it('finds nothing wrong once the environment is listed', async () => {
    const cwd = tempFolder();
    const database = `sqlite:${join(cwd, 'routeperf.sqlite')}`;
    const config = tempFolder({ database, environment: 'staging', environments: ['staging'] });
    expect((await runCli(['migrate', '--database', database], { cwd })).code).toBe(0);
    const result = await runCli(['diagnose', '--format', 'json'], { cwd: config });
    expect(JSON.parse(result.stdout).problems).toEqual([]);
    expect(result.code).toBe(0);
  });
});

describe('routeperf with a malformed URL', () => {
  it.each([
    [
      ['routes', '--database', 'postgres://u:s3cret@db.example:abc/app'],
      {},
      'database: expected a valid URL (the port must be a number from 0 to 65535, not "abc")',
    ],
    [
      ['failed', 'list'],
      { failureTransport: 'mysql://u:s3cret@db.example:x/app' },
      'failureTransport: expected a valid URL',
    ],
    [
      ['consume', '--limit', '1'],
      { transport: 'redis://app:s3cret@r.example:63a79/s', async: true },
      'transport: expected a valid URL',
    ],
  ])('%j exits 2 naming the key, not as an outage', async (args, config, message) => {
    const result = await runCli(args, { cwd: tempFolder(config) });
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('Check that the database is running');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.code).toBe(2);
  });
});
