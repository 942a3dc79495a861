import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { RouteperfError } from '../../src/errors.js';

const cwd = mkdtempSync(join(tmpdir(), 'routeperf-server-timing-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const resolve = (explicit: RouteperfOptions, env: NodeJS.ProcessEnv = {}) =>
  resolveConfig({ env, cwd, explicit });

describe('serverTiming and timingAllowOrigin', () => {
  it('turns Server-Timing on by default in development only, with no Timing-Allow-Origin', async () => {
    expect((await resolve({})).serverTiming).toBe(true);
    expect((await resolve({ environment: 'development' })).serverTiming).toBe(true);
    expect((await resolve({ environment: 'production' })).serverTiming).toBe(false);
    expect((await resolve({}, { NODE_ENV: 'production' })).serverTiming).toBe(false);
    expect((await resolve({ environment: 'test' })).serverTiming).toBe(false);
    expect((await resolve({})).timingAllowOrigin).toBeUndefined();
  });

  it('takes what the user set, overrides of the current environment included', async () => {
    expect((await resolve({ environment: 'production', serverTiming: true })).serverTiming).toBe(true);
    expect((await resolve({ environment: 'development', serverTiming: false })).serverTiming).toBe(false);
    const overridden = await resolve({
      environment: 'production',
      overrides: { production: { serverTiming: true, timingAllowOrigin: '*' } },
    });
    expect(overridden).toMatchObject({ serverTiming: true, timingAllowOrigin: '*' });
  });

  it.each([
    [{ serverTiming: 'yes' }, 'serverTiming: expected true or false, got "yes"'],
    [
      { timingAllowOrigin: 42 },
      'timingAllowOrigin: expected a Timing-Allow-Origin header value such as "*" or "https://example.com", without control characters, got 42',
    ],
    [
      { timingAllowOrigin: '' },
      'timingAllowOrigin: expected a Timing-Allow-Origin header value such as "*" or "https://example.com", without control characters, got ""',
    ],
    [
      { timingAllowOrigin: 'https://a.example\r\nSet-Cookie: x=1' },
      'timingAllowOrigin: expected a Timing-Allow-Origin header value',
    ],
  ])('rejects %j naming the key, what was expected and what was given', async (options, message) => {
    const error = await resolve(options as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RouteperfError);
    expect((error as RouteperfError).code).toBe('ROUTEPERF_CONFIG_INVALID');
    expect((error as RouteperfError).message).toContain(message);
  });
});
