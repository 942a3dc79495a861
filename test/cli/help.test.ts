import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

describe.concurrent('routeperf help and version', () => {
  const cwd = tempFolder();

  it('--help lists the commands and the common options, and exits 0', async ({ expect }) => {
    const result = await runCli(['--help'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: routeperf <command> \[options\]/);
    for (const command of ['migrate', 'routes', 'demo'])
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
