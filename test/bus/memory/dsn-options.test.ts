import { describe, expect, it } from 'vitest';
import type { TransportContext } from '../../../src/bus/transport.js';
import { openTransport } from '../../../src/bus/transports/index.js';
import { sqliteUrl } from '../../support/sqlite.js';

const context = (): TransportContext => ({
  database: sqliteUrl(),
  tablePrefix: 'routeperf_',
  consumerName: `test-${process.pid}`,
  onBackgroundError: () => {},
});

/** Opens a transport as a user's configuration does; none of these connects before its first call. */
async function openingError(dsn: string): Promise<string> {
  const error = await openTransport(dsn, context()).then(
    async (transport) => {
      await transport.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'ROUTEPERF_CONFIG_INVALID' });
  return (error as Error).message;
}

describe('transport DSN options', () => {
  it.each([
    [
      'memory://?maxqueue=100',
      'transport memory:// maxqueue: unknown option; did you mean "maxQueue"? (expected one of batchSize, flushInterval, maxQueue)',
    ],
    [
      'memory://?batch=100',
      'transport memory:// batch: unknown option (expected one of batchSize, flushInterval, maxQueue)',
    ],
    [
      'database://default?queu=metrics',
      'transport database:// queu: unknown option; did you mean "queue"? (expected one of queue, redeliveryTimeout, pollInterval)',
    ],
    [
      'database://default?tablePrefix=other_',
      'transport database:// tablePrefix: unknown option (expected one of queue, redeliveryTimeout, pollInterval)',
    ],
    [
      'postgres://127.0.0.1:1/db?queu=metrics&sslmode=disable',
      'transport postgres:// queu: unknown option; did you mean "queue"? (expected one of queue, tablePrefix, redeliveryTimeout, pollInterval)',
    ],
    [
      'redis://127.0.0.1:1/s?maxlength=100',
      'transport redis:// maxlength: unknown option; did you mean "maxLength"? (expected one of group, consumer, maxLength, redeliveryTimeout, pack, db, ca, servername, cluster, nodes)',
    ],
    [
      'amqp://127.0.0.1:1/?prefech=2000',
      'transport amqp:// prefech: unknown option; did you mean "prefetch"? (expected one of queue, exchange, queueType, prefetch, connectTimeout, sendTimeout, ca, servername, heartbeat, frameMax, channelMax, locale, maxFrameSize)',
    ],
  ])('refuses %s with a "did you mean" where one is close', async (dsn, message) => {
    expect(await openingError(dsn)).toBe(message);
  });

  it.each([
    'memory://?batchSize=10&flushInterval=5&maxQueue=100',
    'database://default?queue=metrics&redeliveryTimeout=5000&pollInterval=50',
    'postgres://127.0.0.1:1/db?queue=metrics&tablePrefix=q_&sslmode=disable&application_name=app',
  ])('accepts %s: its own options, and a database driver’s', async (dsn) => {
    const transport = await openTransport(dsn, context());
    await transport.close();
  });
});
