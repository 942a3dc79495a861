import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openTransport } from '../../../src/bus/transports/index.js';
import { parseRedisDsn } from '../../../src/bus/transports/redis/index.js';
import { RouteperfError } from '../../../src/errors.js';
import { testContext } from '../../support/redis.js';

const parse = (dsn: string, consumerName = 'worker-7') => parseRedisDsn(new URL(dsn), consumerName);

describe('redis:// DSN', () => {
  it('defaults to the routeperf stream and group, the context consumer, a 60 s redelivery timeout and packs of 100', () => {
    expect(parse('redis://127.0.0.1:6379')).toEqual({
      host: '127.0.0.1',
      port: 6379,
      username: undefined,
      password: undefined,
      db: 0,
      stream: 'routeperf',
      group: 'routeperf',
      consumer: 'worker-7',
      maxLength: undefined,
      redeliveryTimeout: 60_000,
      pack: 100,
      description: 'redis://127.0.0.1:6379/routeperf?group=routeperf',
    });
  });

  it('reads the stream from the path and every option from the query', () => {
    const options = parse(
      'redis://cache.internal/app%3Ametrics?group=ingest&consumer=w1&maxLength=100000&redeliveryTimeout=5000&pack=20&db=3',
    );
    expect(options).toMatchObject({
      host: 'cache.internal',
      port: 6379,
      stream: 'app:metrics',
      group: 'ingest',
      consumer: 'w1',
      maxLength: 100_000,
      redeliveryTimeout: 5000,
      pack: 20,
      db: 3,
    });
    expect(options.description).toBe('redis://cache.internal:6379/app%3Ametrics?group=ingest&db=3');
  });

  it('takes the credentials and hides the password from the description', () => {
    const options = parse('redis://app:s%40cret@10.0.0.5:6380/jobs');
    expect(options).toMatchObject({ username: 'app', password: 's@cret', port: 6380 });
    expect(options.description).toBe('redis://app:***@10.0.0.5:6380/jobs?group=routeperf');
    expect(parse('redis://:hunter2@[::1]:7000/s').description).toBe(
      'redis://:***@[::1]:7000/s?group=routeperf',
    );
    expect(parse('redis://:hunter2@[::1]:7000/s').host).toBe('::1');
  });

  it('names the consumer after the host and pid when the context gives no name', () => {
    expect(parse('redis://127.0.0.1', '').consumer).toBe(`${hostname()}-${process.pid}`);
  });

  it.each([
    ['maxLength=abc', 'maxLength'],
    ['maxLength=0', 'maxLength'],
    ['redeliveryTimeout=-5', 'redeliveryTimeout'],
    ['redeliveryTimeout=1.5', 'redeliveryTimeout'],
    ['db=x', 'db'],
    ['pack=0', 'pack'],
    ['pack=-1', 'pack'],
    ['pack=x', 'pack'],
    ['pack=2.5', 'pack'],
    ['pack=', 'pack'],
    ['maxlength=100', 'maxlength'],
    ['timeout=5', 'timeout'],
  ])('refuses %s with ROUTEPERF_CONFIG_INVALID naming %s', (query, key) => {
    let thrown: unknown;
    try {
      parse(`redis://127.0.0.1:6379/s?${query}`);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RouteperfError);
    expect(thrown).toMatchObject({ code: 'ROUTEPERF_CONFIG_INVALID' });
    expect((thrown as Error).message).toContain(`redis:// ${key}:`);
  });

  it('says what pack expects', () => {
    expect(() => parse('redis://127.0.0.1:6379/s?pack=0')).toThrow(
      'transport redis:// pack: expected a whole number of at least 1, got "0"',
    );
    expect(parse('redis://127.0.0.1:6379/s?pack=1').pack).toBe(1);
  });

  it('refuses a stream name that is not valid URL encoding', () => {
    expect(() => parse('redis://127.0.0.1:6379/bad%zzname')).toThrow(/redis:\/\/ stream:/);
  });

  it('reports a bad option when the transport is opened from its DSN', async () => {
    await expect(
      openTransport('redis://127.0.0.1:6379/s?redeliveryTimeout=soon', testContext().context),
    ).rejects.toMatchObject({
      code: 'ROUTEPERF_CONFIG_INVALID',
      message: expect.stringContaining('redeliveryTimeout'),
    });
  });
});
