import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf } from '../../src/routeperf.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteUrl } from '../support/sqlite.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** createRouteperf in an empty folder (no config file), with a logger that keeps every line. */
async function start(options: RouteperfOptions) {
  const cwd = mkdtempSync(join(tmpdir(), 'routeperf-env-'));
  dirs.push(cwd);
  const { logger, lines } = capturingLogger();
  const resolve = () =>
    resolveConfig({ env: {}, cwd, explicit: { database: sqliteUrl(), logger, ...options } });
  return { lines, resolve };
}

describe('an environment that is not in `environments`', () => {
  it('is said once at start, naming the environment and the list', async () => {
    const { logger, lines } = capturingLogger();
    const options = { database: sqliteUrl(), environment: 'staging', logger };
    const first = await createRouteperf(options);
    const second = await createRouteperf(options);
    await Promise.all([first.close(), second.close()]);
    expect(internalsOf(first).recorder.active).toBe(false);
    expect(lines.warn).toEqual([
      'environment "staging" is not in environments [production, development, test], so no request is recorded; add it to environments, or set enabled: false to turn routeperf off on purpose',
    ]);
  });

  it.each([
    ['a recorded environment', { environment: 'test' }],
    ['routeperf disabled on purpose', { environment: 'staging', enabled: false }],
    ['an environment added to the list', { environment: 'staging', environments: ['staging'] }],
  ])('gives no warning for %s', async (_, options) => {
    const { logger, lines } = capturingLogger();
    const routeperf = await createRouteperf({ database: sqliteUrl(), logger, ...options });
    await routeperf.close();
    expect(lines.warn).toEqual([]);
  });
});

describe('`overrides` keys', () => {
  it('warn with a "did you mean" when they name no known environment', async () => {
    const { lines, resolve } = await start({
      environment: 'production',
      environments: ['production', 'staging'],
      overrides: { stagin: { samplingRate: 0.1 }, qa: { samplingRate: 0.5 }, staging: { maxRoutes: 5 } },
    });
    await resolve();
    expect(lines.warn).toEqual([
      'overrides.stagin: "stagin" is not a known environment (environments: production, staging), so these settings never apply; did you mean "staging"?',
      'overrides.qa: "qa" is not a known environment (environments: production, staging), so these settings never apply',
    ]);
  });

  it('do not warn for the current environment or one of `environments`', async () => {
    const { lines, resolve } = await start({
      environment: 'preview',
      overrides: { preview: { samplingRate: 0.1 }, production: { samplingRate: 0.5 } },
    });
    expect((await resolve()).samplingRate).toBe(0.1);
    expect(lines.warn).toEqual([]);
  });
});
