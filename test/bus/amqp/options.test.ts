import { describe, expect, it } from 'vitest';
import { amqpOptions } from '../../../src/bus/transports/amqp/options.js';
import { openTransport } from '../../../src/bus/transports/index.js';
import { backgroundErrors } from '../../support/amqp.js';

describe('amqp:// DSN', () => {
  it('has defaults for everything but the broker', () => {
    expect(amqpOptions(new URL('amqp://127.0.0.1'))).toMatchObject({
      queue: 'routeperf',
      exchange: '',
      deadLetterExchange: 'routeperf.dlx',
      failureQueue: 'routeperf.failed',
      queueType: 'classic',
      prefetch: 1000,
      connectTimeout: 3000,
      sendTimeout: 10_000,
    });
  });

  it('hands amqplib the broker, the vhost and its own options, and hides the password in the description', () => {
    const options = amqpOptions(
      new URL('amqp://app:s3cret@mq.local:5673/%2Fprod?queue=perf&prefetch=2000&heartbeat=15&frameMax=8192'),
    );
    expect(options).toMatchObject({ queue: 'perf', prefetch: 2000, failureQueue: 'perf.failed' });
    expect(options.url).toBe('amqp://app:s3cret@mq.local:5673/%2Fprod?heartbeat=15&frameMax=8192');
    expect(options.description).toBe(
      'amqp://app:***@mq.local:5673/%2Fprod?queue=perf&prefetch=2000&heartbeat=15&frameMax=8192',
    );
  });

  it.each([
    ['prefetch=0', 'prefetch'],
    ['prefetch=many', 'prefetch'],
    ['connectTimeout=-5', 'connectTimeout'],
    ['sendTimeout=1.5', 'sendTimeout'],
    ['heartbeat=soon', 'heartbeat'],
    ['queueType=lazy', 'queueType'],
    ['queue=amq.reserved', 'queue'],
    [`queue=${'q'.repeat(201)}`, 'queue'],
    ['exchange=amq.direct', 'exchange'],
    ['prefech=2000', 'prefech'],
  ])('refuses ?%s, naming the key', async (query, key) => {
    // Through the registry, as a user's configuration reaches it; no broker is contacted.
    const opening = openTransport(`amqp://127.0.0.1:1/?${query}`, backgroundErrors().context);
    await expect(opening).rejects.toMatchObject({
      code: 'ROUTEPERF_CONFIG_INVALID',
      message: expect.stringContaining(`transport amqp:// ${key}:`),
    });
  });
});
