/**
 * `npm run bench:ingest`'s services, transports and command-line settings.
 */
import { parseArgs } from 'node:util';
import { deleteAmqpQueue, deleteRedisStream } from './brokers.js';

export const SERVICES = {
  postgres: process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.ROUTEPERF_BENCH_REDIS ?? 'redis://127.0.0.1:6379',
  amqp: process.env.ROUTEPERF_BENCH_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672',
};
export type Service = keyof typeof SERVICES;
export const SERVICE_NAMES: Record<Service, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  amqp: 'RabbitMQ',
};

export const STORES = ['postgres', 'sqlite'] as const;
export type StoreName = (typeof STORES)[number];

/** Names a run creates on shared services, unique to it. */
export interface RunNames {
  tag: string;
  tablePrefix: string;
  /** Redis stream, RabbitMQ queue. */
  channel: string;
}

export interface TransportKind {
  service?: Service;
  /** The queue lives in the store's database: only with this store. */
  onlyWith?: StoreName;
  dsn(names: RunNames, batchSize: number): string;
  /** Deletes what the run created on the broker (tables go with the store's). */
  remove?(names: RunNames): Promise<void>;
}

export const TRANSPORTS = {
  redis: {
    service: 'redis',
    dsn: ({ channel }) => `${SERVICES.redis}/${channel}`,
    remove: ({ channel }) => deleteRedisStream(SERVICES.redis, channel),
  },
  amqp: {
    service: 'amqp',
    // Twice the batch ahead: the worker receives its next batch while the previous one commits.
    dsn: ({ channel }, batchSize) => `${SERVICES.amqp}?queue=${channel}&prefetch=${2 * batchSize}`,
    remove: ({ channel }) => deleteAmqpQueue(SERVICES.amqp, channel),
  },
  'database-pg': { onlyWith: 'postgres', dsn: () => 'database://default' },
  'database-sqlite': { onlyWith: 'sqlite', dsn: () => 'database://default' },
} satisfies Record<string, TransportKind>;
export type TransportName = keyof typeof TRANSPORTS;

/** The targets of the Redis → PostgreSQL runs, printed under the figures. */
export const TARGET_WORKER_RATE = 50_000;
export const TARGET_RAW_RATIO = 0.5;

export interface Settings {
  messages: number;
  transports: TransportName[];
  stores: StoreName[];
  accessRecords: boolean[];
  batchSize: number;
  /** The worker's `concurrency`: batches stored at once. */
  concurrency: number;
  timeLimitMs: number;
  /** Slices of the messages; the worker and the raw methods take turns on each. */
  rounds: number;
}

export function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '200000' },
      transports: { type: 'string', default: Object.keys(TRANSPORTS).join(',') },
      stores: { type: 'string', default: STORES.join(',') },
      'access-records': { type: 'string', default: 'off,on' },
      'batch-size': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '2' },
      'time-limit': { type: 'string', default: '120' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const fail = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  const whole = (name: keyof typeof values, minimum: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < minimum)
      fail(`--${name}: expected a whole number of at least ${minimum}, got ${values[name]}`);
    return value;
  };
  const list = <T extends string>(name: keyof typeof values, allowed: readonly T[]): T[] => {
    const items = String(values[name])
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const wrong = items.filter((item) => !allowed.includes(item as T));
    if (items.length === 0 || wrong.length > 0)
      fail(`--${name}: expected a comma-separated list of ${allowed.join(', ')}, got ${values[name]}`);
    return items as T[];
  };
  const settings = {
    messages: whole('messages', 1),
    transports: list('transports', Object.keys(TRANSPORTS) as TransportName[]),
    stores: list('stores', STORES),
    accessRecords: list('access-records', ['off', 'on'] as const).map((mode) => mode === 'on'),
    batchSize: whole('batch-size', 1),
    concurrency: whole('concurrency', 1),
    timeLimitMs: whole('time-limit', 1) * 1000,
    rounds: whole('rounds', 1),
  };
  if (settings.rounds > settings.messages) fail(`--rounds: at most --messages (${settings.messages})`);
  return settings;
}
