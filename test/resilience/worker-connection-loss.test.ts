import { afterAll, afterEach, expect, it } from 'vitest';
import type { Transport } from '../../src/bus/transport.js';
import { openTransport } from '../../src/bus/transports/index.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf } from '../../src/routeperf.js';
import { POISON, recordMessages } from '../cli/queue.js';
import { tempFolder } from '../support/cli.js';
import { type Consumer, startConsumer } from '../support/consumer.js';
import { describeEachDatabase, type TestDatabase } from '../support/databases.js';
import { createOwnDatabase, type OwnDatabase } from '../support/own-database.js';
import { describeWithRedis, REDIS_URL, useRedisStreams } from '../support/redis.js';
import { readRoutes } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';
import { until } from '../support/wait.js';

const ROUNDS = 5;
const PER_ROUND = 500;
const TABLE_PREFIX = 'routeperf_';
/** A guard against a hang only: the machine may be slow, and the server ends connections on purpose. */
const LONG_TEST_MS = 240_000;

async function storedIn(database: string): Promise<number> {
  const routes = await readRoutes({ database, tablePrefix: TABLE_PREFIX, environment: 'test' });
  return routes.reduce((sum, route) => sum + route.count, 0);
}

async function failuresIn(database: string): Promise<number> {
  const routeperf = await createRouteperf({ database, tablePrefix: TABLE_PREFIX });
  try {
    return await (await internalsOf(routeperf).failures()).count();
  } finally {
    await routeperf.close();
  }
}

/** Messages the worker reported as received, from its -vv batch lines. */
function received(consumer: Consumer): number {
  return consumer.lines
    .map((line) => /^batch: received (\d+)/.exec(line)?.[1])
    .reduce((sum, count) => sum + Number(count ?? 0), 0);
}

/** Messages the worker reported as failed, from its -vv batch lines. */
function failedOf(consumer: Consumer): number {
  return consumer.lines
    .map((line) => /^batch: .*, failed (\d+),/.exec(line)?.[1])
    .reduce((sum, count) => sum + Number(count ?? 0), 0);
}

/**
 * Sends while the server may be ending the producer's connections too: a send that failed is sent again,
 * as the app's producer would; should the first one have gone through, deduplication counts it once.
 */
async function sendSurely(producer: Transport, messages: string[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await producer.send(messages);
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * A `routeperf consume` process under load while the server ends its connections ROUNDS times: the
 * process stays up and, once left alone, has stored every message exactly once, none failed.
 */
async function rideOut(own: OwnDatabase, transport: string, producer: Transport) {
  const cwd = tempFolder({ database: own.url, tablePrefix: TABLE_PREFIX, environment: 'test', transport });
  const consumer = await startConsumer({ cwd, args: ['-vv', '--batch-size', '200'] });
  let exited = false;
  void consumer.exited.then(() => {
    exited = true;
  });
  const alive = () => `the worker exited:\n${consumer.lines.join('\n')}\n${consumer.stderr()}`;
  let ended = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const before = received(consumer);
    await sendSurely(producer, recordMessages(PER_ROUND));
    await until(() => exited || received(consumer) > before, { what: 'the worker to receive more' });
    await until(async () => exited || (await own.connections()) > 0, { what: 'the worker to be connected' });
    expect(exited, alive()).toBe(false);
    ended += await own.endConnections();
  }
  const sent = ROUNDS * PER_ROUND;
  await until(async () => exited || (await storedIn(own.url)) >= sent, {
    what: 'every message stored',
    timeoutMs: 120_000,
  });
  expect(exited, alive()).toBe(false);
  expect(ended).toBeGreaterThanOrEqual(ROUNDS);
  expect(await storedIn(own.url)).toBe(sent);
  expect(await consumer.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(consumer.lines.join('\n')).toMatch(/Stopped: received SIGTERM\. [\d,]+ messages stored, 0 failed/);
  expect(await failuresIn(own.url)).toBe(0);
  expect(consumer.stderr()).not.toMatch(/Unhandled|uncaught/i);
}

describeEachDatabase(
  (database: TestDatabase) => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    async function ownDatabase() {
      const own = await createOwnDatabase(database.name as 'postgres' | 'mysql');
      cleanups.push(() => own.drop());
      return own;
    }

    it(
      'the database queue: the worker, its queue connections and its LISTEN connection lose their connections',
      async () => {
        const own = await ownDatabase();
        const producer = await openTransport('database://default', {
          database: own.url,
          tablePrefix: TABLE_PREFIX,
          consumerName: 'producer',
          onBackgroundError: () => {},
        });
        cleanups.push(() => producer.close());
        await producer.setup();
        // Rows claimed by a claim whose connection was ended mid-way come again after the redelivery timeout.
        await rideOut(own, 'database://default?redeliveryTimeout=2000', producer);
      },
      LONG_TEST_MS,
    );

    describeWithRedis('from Redis', () => {
      const redis = useRedisStreams();
      afterAll(() => redis.close());

      /** A fresh stream's DSN, and a producer on it. */
      async function stream() {
        const name = redis.stream();
        const producer = await redis.open(name);
        await producer.setup();
        return { dsn: `${REDIS_URL}/${name}`, producer };
      }

      it(
        'the worker loses its store connections',
        async () => {
          const { dsn, producer } = await stream();
          await rideOut(await ownDatabase(), dsn, producer);
        },
        LONG_TEST_MS,
      );

      it(
        'a failure store in a database of its own loses its connections',
        async () => {
          const own = await ownDatabase();
          const { dsn, producer } = await stream();
          const cwd = tempFolder({
            database: sqliteUrl(),
            failureTransport: own.url,
            tablePrefix: TABLE_PREFIX,
            environment: 'test',
            transport: dsn,
          });
          const consumer = await startConsumer({ cwd, args: ['-vv', '--batch-size', '50'] });
          const alive = () => `the worker exited:\n${consumer.lines.join('\n')}\n${consumer.stderr()}`;
          let exited = false;
          void consumer.exited.then(() => {
            exited = true;
          });
          // The failure store's tables are created first: MariaDB's DDL is not transactional, and a
          // migration cut half-way is another matter than a connection lost while in use.
          await producer.send([POISON.notJson.body]);
          await until(() => exited || failedOf(consumer) > 0, { what: 'the failure store to be set up' });
          const poisoned = ROUNDS * 200 + 1;
          for (let round = 0; round < ROUNDS; round++) {
            await producer.send(Array.from({ length: 200 }, () => POISON.notJson.body));
            await until(async () => exited || (await own.connections()) > 0, {
              what: 'the failure store to be connected',
            });
            expect(exited, alive()).toBe(false);
            await own.endConnections();
          }
          await until(() => exited || failedOf(consumer) >= poisoned, {
            what: 'every message failed',
            timeoutMs: 120_000,
          });
          expect(exited, alive()).toBe(false);
          expect(await failuresIn(own.url)).toBeGreaterThanOrEqual(poisoned);
          expect(await consumer.stop('SIGTERM')).toEqual({ code: 0, signal: null });
          expect(consumer.stderr()).not.toMatch(/Unhandled|uncaught/i);
        },
        LONG_TEST_MS,
      );
    });
  },
  ['postgres', 'mysql'],
);
