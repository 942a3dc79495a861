import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { createRouteperf } from '../../src/routeperf.js';
import { runCli, tempFolder } from '../support/cli.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** TypeScript a user writes: annotations, `import type`, an interface, `satisfies`, `as const`. */
const TYPESCRIPT_CONFIG = (maxRoutes: number) => `
import type { RouteperfOptions } from 'routeperf';

interface Limits { maxRoutes: number }
const limits: Limits = { maxRoutes: ${maxRoutes} };
const environments = ['production', 'staging'] as const;

export default {
  ...limits,
  environments: [...environments],
  samplingRate: 0.5 as number,
} satisfies RouteperfOptions;
`;

const FILES: [string, (maxRoutes: number) => string][] = [
  ['routeperf.config.ts', TYPESCRIPT_CONFIG],
  ['routeperf.config.mts', TYPESCRIPT_CONFIG],
  ['routeperf.config.cts', TYPESCRIPT_CONFIG],
  [
    'routeperf.config.cjs',
    (maxRoutes) =>
      `module.exports = { maxRoutes: ${maxRoutes}, samplingRate: 0.5, environments: ['production', 'staging'] };`,
  ],
  [
    'routeperf.config.mjs',
    (maxRoutes) =>
      `export default { maxRoutes: ${maxRoutes}, samplingRate: 0.5, environments: ['production', 'staging'] };`,
  ],
];

function folderWith(name: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-config-file-'));
  dirs.push(dir);
  writeFileSync(join(dir, name), text);
  return dir;
}

describe.each(FILES)('%s', (name, source) => {
  it('is found in the working directory and loaded', async () => {
    const cwd = folderWith(name, source(17));
    const config = await resolveConfig({ env: {}, cwd });
    expect(config).toMatchObject({
      maxRoutes: 17,
      samplingRate: 0.5,
      environments: ['production', 'staging'],
    });
    expect(config.configFile).toBe(join(cwd, name));
  });

  it('is loaded by createRouteperf when named as configFile', async () => {
    const dir = folderWith(name, source(23));
    const routeperf = await createRouteperf({ configFile: join(dir, name), database: 'sqlite::memory:' });
    await routeperf.close();
    expect(routeperf.config).toMatchObject({ maxRoutes: 23, configFile: join(dir, name) });
  });

  it('is found and loaded by the CLI', async () => {
    const cwd = tempFolder();
    writeFileSync(join(cwd, name), source(31));
    const result = await runCli(['diagnose', '--format', 'json', '--database', 'sqlite::memory:'], { cwd });
    expect(result.stderr).not.toContain('config');
    expect(JSON.parse(result.stdout).configuration.configFile).toBe(join(cwd, name));
  });
});

it('says which TypeScript config file could not be loaded, and why', async () => {
  const cwd = folderWith('routeperf.config.ts', 'export default { maxRoutes: 1 ');
  await expect(resolveConfig({ env: {}, cwd })).rejects.toMatchObject({
    code: 'ROUTEPERF_CONFIG_FILE',
    message: expect.stringContaining(`Could not read config file ${join(cwd, 'routeperf.config.ts')}`),
  });
});

it('validates what a TypeScript config file exports', async () => {
  const cwd = folderWith('routeperf.config.ts', 'export default { samplingrate: 0.5 as number };');
  await expect(resolveConfig({ env: {}, cwd })).rejects.toMatchObject({
    code: 'ROUTEPERF_CONFIG_INVALID',
    message: expect.stringContaining('samplingrate: unknown key; did you mean "samplingRate"?'),
  });
});
