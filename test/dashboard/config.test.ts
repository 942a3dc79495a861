/**
 * The `dashboard` and `thresholds` keys: defaults, merging across sources, and a message for each wrong
 * value that names the key, what was expected and what was given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';

const cwd = mkdtempSync(join(tmpdir(), 'routeperf-dashboard-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const resolve = (explicit: RouteperfOptions, cli: RouteperfOptions = {}) =>
  resolveConfig({ explicit, cli, env: {}, cwd });

async function invalid(explicit: RouteperfOptions): Promise<string> {
  const error = await resolve(explicit).then(
    () => undefined,
    (caught: Error) => caught,
  );
  expect(error?.message).toMatch(/^Invalid routeperf configuration/);
  return error!.message;
}

describe('dashboard', () => {
  it('is not set by default, and gets its path and autoRefresh defaults when set', async () => {
    expect((await resolve({})).dashboard).toBeUndefined();
    expect((await resolve({ dashboard: {} })).dashboard).toEqual({
      path: '/performance',
      autoRefresh: false,
    });
    const authorize = () => true;
    expect(
      (await resolve({ dashboard: { authorize } }, { dashboard: { path: '/perf', locale: 'es' } })).dashboard,
    ).toEqual({
      path: '/perf',
      autoRefresh: false,
      authorize,
      locale: 'es',
    });
  });

  it('applies the overrides of the current environment', async () => {
    const config = await resolve({
      environment: 'development',
      dashboard: { basicAuth: { user: 'a', password: 'b' } },
      overrides: { development: { dashboard: { allowUnauthenticated: true, autoRefresh: 30 } } },
    });
    expect(config.dashboard).toEqual({
      path: '/performance',
      autoRefresh: 30,
      basicAuth: { user: 'a', password: 'b' },
      allowUnauthenticated: true,
    });
  });

  it.each([
    [{ path: '/' }, 'dashboard.path: expected a path such as "/performance"', 'got "/"'],
    [{ path: 'performance' }, 'dashboard.path: expected a path such as "/performance"', 'got "performance"'],
    [{ path: '/performance/' }, 'dashboard.path: expected', 'got "/performance/"'],
    [{ path: '/a b' }, 'dashboard.path: expected', 'got "/a b"'],
    [{ path: '/a"><script>' }, 'dashboard.path: expected', 'got "/a\\"><script>"'],
    [
      { authorize: true },
      'dashboard.authorize: expected a function (request) => boolean | Promise<boolean>',
      'got true',
    ],
    [
      { basicAuth: { user: 'a:b', password: 'x' } },
      'dashboard.basicAuth.user: expected a user name without ":"',
      'got "a:b"',
    ],
    [
      { basicAuth: { user: 'a', password: '' } },
      'dashboard.basicAuth.password: expected a non-empty password',
      'got ""',
    ],
    [
      { basicAuth: 'admin:secret' },
      'dashboard.basicAuth: expected an object { user, password }',
      'got "admin:secret"',
    ],
    [{ allowUnauthenticated: 'yes' }, 'dashboard.allowUnauthenticated: expected true or false', 'got "yes"'],
    [{ locale: 'fr' }, 'dashboard.locale: expected "en" or "es"', 'got "fr"'],
    [
      { autoRefresh: 1 },
      'dashboard.autoRefresh: expected a whole number of seconds from 5 to 3600, or false',
      'got 1',
    ],
    [
      { autoRefresh: true },
      'dashboard.autoRefresh: expected a whole number of seconds from 5 to 3600, or false',
      'got true',
    ],
    [{ autoRefresh: 7.5 }, 'dashboard.autoRefresh: expected', 'got 7.5'],
    [
      { actions: { deleteRoute: 'yes' } },
      'dashboard.actions.deleteRoute: expected true or false',
      'got "yes"',
    ],
    [
      { actions: true },
      'dashboard.actions: expected an object { review, deleteRoute, clearEnvironment, purgeRecords, deleteRecords } of true or false',
      'got true',
    ],
    [
      { actions: { deleteRout: true } },
      'dashboard.actions.deleteRout: unknown key',
      'did you mean "deleteRoute"',
    ],
    [
      { hooks: { before: true } },
      'dashboard.hooks.before: expected a function (action, details) => boolean | Promise<boolean>',
      'got true',
    ],
    [{ hooks: { after: 'log' } }, 'dashboard.hooks.after: expected a function', 'got "log"'],
    [{ hooks: { around: () => {} } }, 'dashboard.hooks.around: unknown key', 'before, after'],
    [
      { export: { maxRows: 0 } },
      'dashboard.export.maxRows: expected a whole number from 1 to 1000000',
      'got 0',
    ],
    [{ export: { maxRows: 2.5 } }, 'dashboard.export.maxRows: expected a whole number', 'got 2.5'],
    [{ export: { maxRows: 2_000_000 } }, 'dashboard.export.maxRows: expected', 'got 2000000'],
    [{ export: 100 } as never, 'dashboard.export: expected an object { maxRows }', 'got 100'],
  ])('%j is refused: %s, %s', async (dashboard, expected, given) => {
    const message = await invalid({ dashboard } as RouteperfOptions);
    expect(message).toContain(`${expected}`);
    expect(message).toContain(given);
  });

  it('merges actions, hooks and export key by key across sources and overrides', async () => {
    const before = () => true;
    const after = () => {};
    const config = await resolve(
      {
        environment: 'development',
        dashboard: { actions: { deleteRoute: true }, hooks: { before }, export: { maxRows: 10 } },
        overrides: { development: { dashboard: { actions: { review: false } } } },
      },
      { dashboard: { hooks: { after } } },
    );
    expect(config.dashboard).toEqual({
      path: '/performance',
      autoRefresh: false,
      actions: { deleteRoute: true, review: false },
      hooks: { before, after },
      export: { maxRows: 10 },
    });
  });

  it('names an unknown key with a hint and the keys allowed', async () => {
    expect(await invalid({ dashboard: { pth: '/x' } } as RouteperfOptions)).toContain(
      'dashboard.pth: unknown key; did you mean "path"? (expected one of path, authorize, basicAuth, allowUnauthenticated, locale, autoRefresh, actions, hooks, export)',
    );
    expect(await invalid({ dashboard: true } as unknown as RouteperfOptions)).toContain(
      'dashboard: expected an object { path, authorize, basicAuth, allowUnauthenticated, locale, autoRefresh, actions, hooks, export }, got true',
    );
  });
});

describe('thresholds', () => {
  it('default to 500 and 1000 ms, 20 and 50 queries, 20 and 50 MiB, each level replaceable alone', async () => {
    expect((await resolve({})).thresholds).toEqual({
      requestTime: { warning: 500, critical: 1000 },
      queryCount: { warning: 20, critical: 50 },
      memory: { warning: 20 * 1024 * 1024, critical: 50 * 1024 * 1024 },
    });
    const config = await resolve(
      { thresholds: { requestTime: { warning: 200 } } },
      { thresholds: { memory: { critical: 1e9 } } },
    );
    expect(config.thresholds).toEqual({
      requestTime: { warning: 200, critical: 1000 },
      queryCount: { warning: 20, critical: 50 },
      memory: { warning: 20 * 1024 * 1024, critical: 1e9 },
    });
  });

  it.each([
    [{ requestTime: { warning: 0 } }, 'thresholds.requestTime.warning: expected milliseconds above 0, got 0'],
    [
      { queryCount: { critical: -1 } },
      'thresholds.queryCount.critical: expected a number of queries above 0, got -1',
    ],
    [{ memory: { warning: '20M' } }, 'thresholds.memory.warning: expected bytes above 0, got "20M"'],
    [{ requestTime: { warnng: 1 } }, 'thresholds.requestTime.warnng: unknown key; did you mean "warning"?'],
    [{ latency: {} }, 'thresholds.latency: unknown key'],
    [
      { requestTime: { warning: 1000 } },
      'thresholds.requestTime.warning: expected a number below thresholds.requestTime.critical (1000), got 1000',
    ],
    [
      { queryCount: { warning: 10, critical: 5 } },
      'thresholds.queryCount.warning: expected a number below thresholds.queryCount.critical (5), got 10',
    ],
  ])('%j is refused: %s', async (thresholds, expected) => {
    expect(await invalid({ thresholds } as RouteperfOptions)).toContain(expected);
  });
});
