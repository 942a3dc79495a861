import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { RouteperfError } from '../../src/errors.js';
import { createRouteperf } from '../../src/routeperf.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function folderWith(files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function configError(promise: Promise<unknown>): Promise<RouteperfError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RouteperfError);
  return error as RouteperfError;
}

describe('defaults and environment variables', () => {
  it('fills every default', async () => {
    const config = await resolveConfig({ env: {}, cwd: folderWith() });
    expect(config).toMatchObject({
      enabled: true,
      environment: 'development',
      environments: ['production', 'development', 'test'],
      database: 'sqlite:./var/routeperf.sqlite',
      tablePrefix: 'routeperf_',
      autoSetup: true,
      trackRequestTime: true,
      trackQueries: true,
      nPlusOneThreshold: 5,
      ignoreRoutes: [],
      samplingRate: 1,
      maxRoutes: 1000,
      accessRecords: { enabled: false, retentionDays: null, trackUser: false },
      retention: { minutes: '48h', hours: '90d', days: null },
      requestIdHeader: 'x-request-id',
    });
  });

  it('takes the environment from ROUTEPERF_ENV before NODE_ENV, and the database from ROUTEPERF_DATABASE_URL', async () => {
    const cwd = folderWith();
    expect((await resolveConfig({ env: { NODE_ENV: 'production' }, cwd })).environment).toBe('production');
    const config = await resolveConfig({
      env: { NODE_ENV: 'production', ROUTEPERF_ENV: 'staging', ROUTEPERF_DATABASE_URL: 'postgres://db/x' },
      cwd,
    });
    expect(config.environment).toBe('staging');
    expect(config.database).toBe('postgres://db/x');
  });
});

describe('sources, later wins', () => {
  it('applies file, then explicit options, then CLI flags, then overrides of the current environment', async () => {
    const cwd = folderWith({
      'routeperf.config.json': JSON.stringify({
        maxRoutes: 10,
        samplingRate: 0.1,
        tablePrefix: 'file_',
        accessRecords: { enabled: true },
        overrides: { production: { samplingRate: 0.25 } },
      }),
    });
    const config = await resolveConfig({
      env: {},
      cwd,
      explicit: {
        samplingRate: 0.5,
        tablePrefix: 'explicit_',
        environment: 'production',
        accessRecords: { trackUser: true },
      },
      cli: { tablePrefix: 'cli_', overrides: { development: { maxRoutes: 1 } } },
    });
    expect(config).toMatchObject({
      maxRoutes: 10,
      samplingRate: 0.25,
      tablePrefix: 'cli_',
      accessRecords: { enabled: true, trackUser: true, retentionDays: null },
    });
    expect(config.configFile).toBe(join(cwd, 'routeperf.config.json'));
  });

  it('loads routeperf.config.mjs and an explicit configFile', async () => {
    const cwd = folderWith({
      'routeperf.config.mjs': 'export default { maxRoutes: 7 };',
      'custom.mjs': 'export default { maxRoutes: 9 };',
    });
    expect((await resolveConfig({ env: {}, cwd })).maxRoutes).toBe(7);
    expect((await resolveConfig({ env: {}, cwd, explicit: { configFile: 'custom.mjs' } })).maxRoutes).toBe(9);
    expect((await resolveConfig({ env: {}, cwd, cli: { configFile: 'custom.mjs' } })).maxRoutes).toBe(9);
  });

  it('says when a named config file does not exist or cannot be parsed', async () => {
    const cwd = folderWith({ 'broken.json': '{ "maxRoutes": ' });
    const missing = await configError(resolveConfig({ env: {}, cwd, cli: { configFile: 'nope.json' } }));
    expect(missing.code).toBe('ROUTEPERF_CONFIG_FILE');
    expect(missing.message).toContain('nope.json');
    const broken = await configError(resolveConfig({ env: {}, cwd, cli: { configFile: 'broken.json' } }));
    expect(broken.code).toBe('ROUTEPERF_CONFIG_FILE');
    expect(broken.message).toContain('broken.json');
  });
});

describe('invalid configuration', () => {
  const invalid = async (options: unknown) => {
    const error = await configError(
      resolveConfig({ env: {}, cwd: folderWith(), explicit: options as never }),
    );
    expect(error.code).toBe('ROUTEPERF_CONFIG_INVALID');
    return error.message;
  };

  it.each([
    [{ samplingRate: 'half' }, 'samplingRate: expected a number from 0 to 1, got "half"'],
    [{ samplingRate: 1.5 }, 'samplingRate: expected a number from 0 to 1, got 1.5'],
    [{ maxRoutes: 2.5 }, 'maxRoutes: expected a whole number of at least 1, got 2.5'],
    [{ nPlusOneThreshold: 1 }, 'nPlusOneThreshold: expected a whole number of at least 2, got 1'],
    [{ nPlusOneThreshold: '5' }, 'nPlusOneThreshold: expected a whole number of at least 2, got "5"'],
    [{ enabled: 'yes' }, 'enabled: expected true or false, got "yes"'],
    [{ trackQueries: 'no' }, 'trackQueries: expected true or false, got "no"'],
    [{ environments: 'production' }, 'environments: expected a list of environment names, got "production"'],
    [{ ignoreRoutes: ['/ok', 3] }, 'ignoreRoutes[1]: expected a route name or glob'],
    [{ tablePrefix: 'drop table;' }, 'tablePrefix: expected letters, digits and underscores'],
    [
      { accessRecords: { retentionDays: 0 } },
      'accessRecords.retentionDays: expected a whole number of days of at least 1, or null, got 0',
    ],
    [
      { retention: { minutes: '48 hours' } },
      'retention.minutes: expected a duration such as "48h" or "90d" (whole hours or days), or null to keep them for ever, got "48 hours"',
    ],
    [{ retention: { hours: '0d' } }, 'retention.hours: expected a duration such as "48h" or "90d"'],
    [{ retention: { days: 30 } }, 'retention.days: expected a duration such as "48h" or "90d"'],
    [{ retention: { weeks: '4d' } }, 'retention.weeks: unknown key (expected one of minutes, hours, days)'],
    [{ retention: '90d' }, 'retention: expected an object { minutes, hours, days }'],
    [{ logger: { info() {} } }, 'logger: expected an object with info, warn and error functions'],
    [
      { overrides: { production: { maxRoutes: 'many' } } },
      'overrides.production.maxRoutes: expected a whole number of at least 1, got "many"',
    ],
    [
      { environment: 'e'.repeat(65) },
      `environment: expected an environment name of 1 to 64 characters, without control characters or lone surrogates, got "${'e'.repeat(56)}… (65 characters)`,
    ],
    [
      { environment: 'prod\u0000' },
      'environment: expected an environment name of 1 to 64 characters, without control characters or lone surrogates, got "prod\\u0000"',
    ],
    [
      { environment: 'prod\nuction' },
      'environment: expected an environment name of 1 to 64 characters, without control characters or lone surrogates, got "prod\\nuction"',
    ],
    [
      { environment: 'prod\ud800' },
      'environment: expected an environment name of 1 to 64 characters, without control characters or lone surrogates, got "prod\\ud800"',
    ],
    [{ environment: '' }, 'environment: expected an environment name of 1 to 64 characters'],
    [
      { environments: ['production', 'x'.repeat(70)] },
      'environments[1]: expected an environment name of 1 to 64 characters',
    ],
    [
      { overrides: { production: { environment: 'a\u0007' } } },
      'overrides.production.environment: expected an environment name',
    ],
    [
      { tablePrefix: `a${'b'.repeat(32)}` },
      'tablePrefix: expected letters, digits and underscores, starting with a letter (32 at most, so that table and index names fit PostgreSQL\'s and MySQL\'s limits), got "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"',
    ],
    [
      { database: 'postgres://u:s3cret@db:abc/app' },
      'database: expected a valid URL (the port must be a number from 0 to 65535, not "abc"), got "postgres://u:***@db:abc/app"',
    ],
    [
      { database: 'mysql://db:99999/app' },
      'database: expected a valid URL (the port must be a number from 0 to 65535, not "99999")',
    ],
    [
      { database: 'postgres://u:p/ss@db/app' },
      'database: expected a valid URL (a character such as @ : / ? # in a user name or password must be percent-encoded)',
    ],
    [
      { transport: 'redis://127.0.0.1:port/stream' },
      'transport: expected a valid URL (the port must be a number from 0 to 65535, not "port")',
    ],
    [
      { transports: { metrics: 'amqp://mq:5672x/%2F' } },
      'transports.metrics: expected a valid URL (the port must be a number from 0 to 65535, not "5672x")',
    ],
    [
      { transports: { metrics: { dsn: 'amqp://[::1]:x/', retry: { maxRetries: 1 } } } },
      'transports.metrics.dsn: expected a valid URL (the port must be a number from 0 to 65535, not "x")',
    ],
    [
      { failureTransport: 'postgres://u:s3cret@db:5432:5433/app' },
      'failureTransport: expected a valid URL (the port must be a number from 0 to 65535, not "5432:5433"), got "postgres://u:***@db:5432:5433/app"',
    ],
    [
      { requestIdHeader: 'x request id' },
      'requestIdHeader: expected an HTTP header name, got "x request id"',
    ],
  ])('%j → %s', async (options, message) => {
    expect(await invalid(options)).toContain(message);
  });

  it.each([
    ['ROUTEPERF_ENV', 'x'.repeat(65), 'environment: expected an environment name of 1 to 64 characters'],
    ['NODE_ENV', 'prod\u0000', 'environment: expected an environment name of 1 to 64 characters'],
    ['ROUTEPERF_DATABASE_URL', 'postgres://u@db:abc/app', 'database: expected a valid URL (the port must be'],
    ['ROUTEPERF_TRANSPORT_DSN', 'redis://r:abc', 'transport: expected a valid URL (the port must be'],
  ])('rejects %s=%j, naming the variable and the key', async (variable, value, message) => {
    const error = await configError(resolveConfig({ env: { [variable]: value }, cwd: folderWith() }));
    expect(error.code).toBe('ROUTEPERF_CONFIG_INVALID');
    expect(error.message).toContain(`(environment variable ${variable})`);
    expect(error.message).toContain(message);
  });

  it('accepts an environment of 64 characters, emoji counted as one', async () => {
    const environment = '😀'.repeat(64);
    expect((await resolveConfig({ env: {}, cwd: folderWith(), explicit: { environment } })).environment).toBe(
      environment,
    );
  });

  it('rejects unknown keys with a "did you mean" hint where one is close, and the keys allowed', async () => {
    const message = await invalid({ samplingrate: 0.5, colour: 'blue' });
    expect(message).toContain(
      'samplingrate: unknown key; did you mean "samplingRate"? (expected one of enabled,',
    );
    expect(message).toMatch(
      /colour: unknown key \(expected one of enabled, environment, .*, configFile, overrides\)$/m,
    );
  });

  const RETRY_KEYS = 'expected one of maxRetries, delay, multiplier, maxDelay, jitter';
  it.each([
    [{ retry: { maxRetry: 5 } }, `retry.maxRetry: unknown key; did you mean "maxRetries"? (${RETRY_KEYS})`],
    [
      { accessRecords: { retention: 30 } },
      'accessRecords.retention: unknown key; did you mean "retentionDays"? (expected one of enabled, retentionDays, trackUser)',
    ],
    [
      { accessRecords: { keep: 30 } },
      'accessRecords.keep: unknown key (expected one of enabled, retentionDays, trackUser)',
    ],
    [
      { accessRecords: { retentiondays: 30 } },
      'accessRecords.retentiondays: unknown key; did you mean "retentionDays"? (expected one of enabled, retentionDays, trackUser)',
    ],
    [
      { transports: { x: { dsn: 'memory://', retry: { delya: 10 } } } },
      `transports.x.retry.delya: unknown key; did you mean "delay"? (${RETRY_KEYS})`,
    ],
    [
      { transports: { x: { dsn: 'memory://', retyr: {} } } },
      'transports.x.retyr: unknown key; did you mean "retry"? (expected one of dsn, retry)',
    ],
    [
      { overrides: { production: { samplingrate: 0.5 } } },
      'overrides.production.samplingrate: unknown key; did you mean "samplingRate"? (expected one of enabled,',
    ],
    [
      { overrides: { production: { retry: { jiter: 0.5 } } } },
      `overrides.production.retry.jiter: unknown key; did you mean "jitter"? (${RETRY_KEYS})`,
    ],
  ])('names a nested unknown key with a hint and the keys allowed there: %j', async (options, message) => {
    expect(await invalid(options)).toContain(message);
  });

  it('names the source of the error', async () => {
    const cwd = folderWith({ 'routeperf.config.json': JSON.stringify({ samplingRate: 'half' }) });
    const error = await configError(resolveConfig({ env: {}, cwd }));
    expect(error.message).toContain(join(cwd, 'routeperf.config.json'));
    expect(error.message).toContain('samplingRate: expected a number from 0 to 1, got "half"');
  });

  it('rejects a database URL of an unknown kind at start-up, without connecting', async () => {
    const error = await configError(createRouteperf({ database: 'oracle://scott:tiger@db/x' }));
    expect(error.code).toBe('ROUTEPERF_DATABASE_URL');
    expect(error.message).toContain('oracle://scott:***@db/x');
    expect(error.message).not.toContain('tiger');
  });
});

describe('named transports', () => {
  it('accept a DSN or { dsn, retry }, and a transport’s own retry is merged over `retry`', async () => {
    const { retryFor, recordTransportDsn } = await import('../../src/bus/transports/index.js');
    const config = await resolveConfig({
      env: {},
      cwd: folderWith(),
      explicit: {
        retry: { maxRetries: 5, delay: 100 },
        transports: {
          fast: 'redis://127.0.0.1:6379/fast',
          careful: { dsn: 'amqp://mq/%2F', retry: { maxRetries: 10 } },
        },
        routing: { 'routeperf.record': 'careful' },
      },
    });
    expect(recordTransportDsn(config)).toBe('amqp://mq/%2F');
    expect(recordTransportDsn(config, 'fast')).toBe('redis://127.0.0.1:6379/fast');
    expect(retryFor(config, 'amqp://mq/%2F')).toMatchObject({ maxRetries: 10, delay: 100, multiplier: 2 });
    expect(retryFor(config, 'redis://127.0.0.1:6379/fast')).toMatchObject({ maxRetries: 5, delay: 100 });
  });

  it('reject a named transport that is neither a DSN nor { dsn, retry }', async () => {
    const error = await configError(
      resolveConfig({
        env: {},
        cwd: folderWith(),
        explicit: { transports: { bad: { url: 'redis://x' } } } as never,
      }),
    );
    expect(error.message).toContain('transports.bad: expected a transport DSN, or { dsn, retry }');
  });
});
