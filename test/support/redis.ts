import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import type { TransportContext } from '../../src/bus/transport.js';
import { createTransport, type RedisStreamsTransport } from '../../src/bus/transports/redis/index.js';
import { describeWithService, unreachable } from './databases.js';

/** The shared test Redis: tests never flush it, each one works on its own keys and deletes them. */
export const REDIS_URL = process.env.ROUTEPERF_TEST_REDIS ?? 'redis://127.0.0.1:6379';

const address = new URL(REDIS_URL);
const reason = await unreachable(address.hostname, Number(address.port || 6379));

/** Declares `fn`'s tests when Redis answers; else skips them with the reason shown (fails them in CI). */
export function describeWithRedis(name: string, fn: () => void) {
  describeWithService(name, 'Redis', reason, fn);
}

/** A TransportContext that keeps the background errors for the test to look at. */
export function testContext(consumerName = `test-${randomBytes(3).toString('hex')}`) {
  const backgroundErrors: unknown[] = [];
  const context: TransportContext = {
    database: 'sqlite::memory:',
    tablePrefix: 'routeperf_',
    consumerName,
    onBackgroundError: (error) => backgroundErrors.push(error),
  };
  return { context, backgroundErrors };
}

/**
 * Streams for one test each: `stream()` names a fresh stream, `open()` opens transports on it; after each
 * test the transports are closed and the streams deleted. `admin` is a plain client for checks.
 */
export function useRedisStreams() {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, protocol: 2 });
  const streams = new Set<string>();
  const transports = new Set<RedisStreamsTransport>();
  afterEach(async () => {
    for (const transport of transports) await transport.close();
    transports.clear();
    if (streams.size > 0 && !reason) await admin.del(...streams);
    streams.clear();
  });

  return {
    admin,
    /** A stream name no other test uses. */
    stream(): string {
      const name = `routeperf-test-${randomBytes(6).toString('hex')}`;
      streams.add(name);
      return name;
    },
    /** A transport on `stream`, with `query` added to its DSN (`maxLength=10&consumer=a`). */
    async open(stream: string, query = '', context = testContext().context): Promise<RedisStreamsTransport> {
      const dsn = new URL(`${REDIS_URL}/${stream}${query ? `?${query}` : ''}`);
      const transport = (await createTransport(dsn, context)) as RedisStreamsTransport;
      transports.add(transport);
      return transport;
    },
    /** Closes the admin client; call once in afterAll. */
    close: () => admin.quit().catch(() => admin.disconnect()),
  };
}
