import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import routeperf from '../../src/adapters/fastify.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { createRouteperf } from '../../src/routeperf.js';
import { AMQP_URL } from '../support/amqp.js';
import { tempFolder } from '../support/cli.js';
import { dropTables, MYSQL_URL, POSTGRES_URL, uniquePrefix } from '../support/databases.js';
import { REDIS_URL } from '../support/redis.js';
import { sqliteUrl } from '../support/sqlite.js';
import { countsByRouteAndStatus } from '../support/stores.js';

/** One durable transport as the end-to-end tests use it: where the store is, the DSN, and cleanup. */
export interface TransportCase {
  name: string;
  service: 'redis' | 'amqp' | 'postgres' | 'mysql' | 'sqlite';
  /** The broker's address, for a proxy in front of it (brokers only). */
  broker?: { host: string; port: number };
  /** Store database, and transport DSN (through `port` when given), for one test. */
  setup(): { database: string; dsn(port?: number): string; cleanup(): Promise<void> };
}

const unique = () => `routeperf-e2e-${randomBytes(5).toString('hex')}`;
const redis = new URL(REDIS_URL);
const amqp = new URL(AMQP_URL);

export const TRANSPORTS: TransportCase[] = [
  {
    name: 'redis',
    service: 'redis',
    broker: { host: redis.hostname, port: Number(redis.port || 6379) },
    setup() {
      const stream = unique();
      return {
        database: sqliteUrl(),
        // A short redelivery timeout, so that a new worker takes over a killed one's entries quickly.
        dsn: (port = Number(redis.port || 6379)) =>
          `redis://${redis.hostname}:${port}/${stream}?redeliveryTimeout=1000`,
        cleanup: async () => {
          const admin = new Redis(REDIS_URL, { lazyConnect: true });
          await admin.del(stream);
          await admin.quit();
        },
      };
    },
  },
  {
    name: 'amqp',
    service: 'amqp',
    broker: { host: amqp.hostname, port: Number(amqp.port || 5672) },
    setup() {
      const queue = unique();
      return {
        database: sqliteUrl(),
        dsn: (port = Number(amqp.port || 5672)) =>
          `amqp://${amqp.username}:${amqp.password}@${amqp.hostname}:${port}/%2F?queue=${queue}`,
        cleanup: async () => {
          const connection = await connect(AMQP_URL);
          const channel = await connection.createChannel();
          for (const name of [queue, `${queue}.failed`]) await channel.deleteQueue(name);
          await channel.deleteExchange(`${queue}.dlx`);
          await connection.close();
        },
      };
    },
  },
  {
    name: 'database on PostgreSQL',
    service: 'postgres',
    setup: () => ({
      database: POSTGRES_URL,
      dsn: () => 'database://default?redeliveryTimeout=1000',
      cleanup: async () => {},
    }),
  },
  {
    name: 'database on MariaDB',
    service: 'mysql',
    setup: () => ({
      database: MYSQL_URL,
      dsn: () => 'database://default?redeliveryTimeout=1000',
      cleanup: async () => {},
    }),
  },
  {
    name: 'database on SQLite',
    service: 'sqlite',
    setup: () => ({
      database: sqliteUrl(),
      dsn: () => 'database://default?redeliveryTimeout=1000',
      cleanup: async () => {},
    }),
  },
];

/** Everything one end-to-end test shares between the app, the worker and the checks. */
export interface Scenario {
  /** The app's options: its transport may go through a proxy. */
  app: RouteperfOptions;
  /** The worker's options, in routeperf.config.json of `cwd`; its transport goes straight to the broker. */
  worker: RouteperfOptions;
  cwd: string;
  cleanup(): Promise<void>;
}

export function scenario(transportCase: TransportCase, appBrokerPort?: number): Scenario {
  const { database, dsn, cleanup } = transportCase.setup();
  const tablePrefix = uniquePrefix();
  const worker: RouteperfOptions = {
    database,
    tablePrefix,
    environment: 'test',
    async: true,
    transport: dsn(),
  };
  return {
    app: { ...worker, transport: dsn(appBrokerPort) },
    worker,
    cwd: tempFolder(worker),
    async cleanup() {
      await cleanup();
      await dropTables(database, tablePrefix);
    },
  };
}

/** A real Fastify app recording asynchronously: /users/:id answers 200, /boom throws (500). */
export async function startApp(options: RouteperfOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(routeperf, options);
  app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** The path of request `i`: one in ten fails. */
export const pathOf = (i: number) => (i % 10 === 9 ? '/boom' : `/users/${i}`);

/** What the store must hold after `n` requests of `pathOf`. */
export function expectedCounts(n: number): Record<string, number> {
  const boom = Math.floor(n / 10);
  return { 'GET /users/:id 200': n - boom, 'GET /boom 500': boom };
}

/** Requests stored so far, per route and status. */
export async function storedCounts(options: RouteperfOptions): Promise<Record<string, number>> {
  const reader = await createRouteperf({
    database: options.database,
    tablePrefix: options.tablePrefix,
    environment: 'test',
  });
  try {
    return await countsByRouteAndStatus(reader);
  } finally {
    await reader.close();
  }
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** Polls the store until it holds `n` requests (or `timeoutMs` passes) and returns its counts. */
export async function waitForStored(options: RouteperfOptions, n: number, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await storedCounts(options).catch(() => ({}));
    if (total(counts) >= n || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
