import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

describe.concurrent('routeperf help and version', () => {
  const cwd = tempFolder();

  it('--help lists the commands and the common options, and exits 0', async ({ expect }) => {
    const result = await runCli(['--help'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: routeperf <command> \[options\]/);
    for (const command of [
      'migrate',
      'routes',
      'dashboard',
      'consume \\[transport…\\]',
      'stop-workers',
      'failed list',
      'failed show <id>',
      'failed retry <id…>\\|--all',
      'failed remove <id…>\\|--all',
      'diagnose',
      'check-deps',
      'demo',
    ])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('--config <file>');
    expect(result.stdout).toContain('--database <url>');
  });

  it('"help routes" shows the same help as "routes --help"', async ({ expect }) => {
    const [viaHelp, viaFlag] = await Promise.all([
      runCli(['help', 'routes'], { cwd }),
      runCli(['routes', '--help'], { cwd }),
    ]);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaFlag.stdout).toContain('Usage: routeperf routes [options]');
    for (const flag of ['--since', '--until', '--sort', '--order', '--limit', '--format', '--environment'])
      expect(viaFlag.stdout).toContain(flag);
  });

  it('"help failed show" shows the same help as "failed show --help"', async ({ expect }) => {
    const [viaHelp, viaFlag] = await Promise.all([
      runCli(['help', 'failed', 'show'], { cwd }),
      runCli(['failed', 'show', '--help'], { cwd }),
    ]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaFlag.stdout).toContain('Usage: routeperf failed show [options] <id>');
    expect(viaFlag.stdout).toMatch(/^Arguments:\n {2}<id> +Id of the message/m);
  });

  it('"help failed" and "failed --help" list the failed commands', async ({ expect }) => {
    const [viaHelp, viaFlag] = await Promise.all([
      runCli(['help', 'failed'], { cwd }),
      runCli(['failed', '--help'], { cwd }),
    ]);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaFlag.stdout).toContain('Usage: routeperf failed <command> [options]');
    for (const command of ['list', 'show', 'retry', 'remove'])
      expect(viaFlag.stdout).toMatch(new RegExp(`^  failed ${command} `, 'm'));
  });

  it('consume --help shows its arguments, limits and exit codes', async ({ expect }) => {
    const result = await runCli(['consume', '--help'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: routeperf consume [options] [transport…]');
    for (const flag of [
      '-v, --verbose',
      '--limit',
      '--time-limit',
      '--memory-limit',
      '--failure-limit',
      '--sleep',
      '--batch-size',
    ])
      expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain('Exit codes: 0 stopped by a limit, a signal or stop-workers');
  });

  it('diagnose --help says what its exit codes mean', async ({ expect }) => {
    const result = await runCli(['diagnose', '--help'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes: 0 no problem found, 1 problems found');
  });

  it('--help wins over other arguments, even bad ones', async ({ expect }) => {
    const result = await runCli(['demo', '--port', 'nope', '--help'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: routeperf demo [options]');
    expect(result.stdout).toContain('--no-serve');
  });

  it('--version prints the version of package.json', async ({ expect }) => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const result = await runCli(['--version'], { cwd });
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('no command at all shows the help on stderr and exits 2', async ({ expect }) => {
    const result = await runCli([], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: routeperf <command> [options]');
  });
});
