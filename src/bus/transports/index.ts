import type { RetryOptions } from '../../config/retry.js';
import type { NamedTransport, ResolvedConfig } from '../../config/types.js';
import { RouteperfError } from '../../errors.js';
import { parseDsn } from '../dsn.js';
import type { Transport, TransportContext, TransportFactory } from '../transport.js';
import { driverPackage } from './database/driver-package.js';

/** One kind of transport: the client package it needs, and its factory, imported only when used. */
interface TransportKind {
  /** npm package the transport needs; `database` kinds need the store dialect's driver. */
  clientPackage(dsn: URL, config: ResolvedConfig): string | undefined;
  load(): Promise<TransportFactory>;
}

const databaseKind: TransportKind = {
  clientPackage: (dsn, config) => driverPackage(dsn.protocol === 'database:' ? config.database : dsn.href),
  load: async () => (await import('./database/index.js')).createTransport,
};

const redisKind: TransportKind = {
  clientPackage: () => 'ioredis',
  load: async () => (await import('./redis/index.js')).createTransport,
};

const amqpKind: TransportKind = {
  clientPackage: () => 'amqplib',
  load: async () => (await import('./amqp/index.js')).createTransport,
};

const KINDS: Record<string, TransportKind> = {
  'memory:': {
    clientPackage: () => undefined,
    load: async () => async (dsn) => new (await import('./memory/index.js')).MemoryTransport(dsn),
  },
  'database:': databaseKind,
  'sqlite:': databaseKind,
  'postgres:': databaseKind,
  'postgresql:': databaseKind,
  'mysql:': databaseKind,
  'mariadb:': databaseKind,
  'redis:': redisKind,
  'rediss:': redisKind,
  'amqp:': amqpKind,
  'amqps:': amqpKind,
};

/** The schemes `transport` accepts; `sync://` is handled in-process without a transport. */
export const TRANSPORT_SCHEMES = [
  'sync',
  'memory',
  'database',
  'sqlite',
  'postgres',
  'mysql',
  'redis',
  'rediss',
  'amqp',
  'amqps',
];

function kindOf(dsn: URL): TransportKind {
  const kind = KINDS[dsn.protocol];
  if (!kind) {
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_INVALID',
      `transport: expected a DSN starting with ${TRANSPORT_SCHEMES.map((s) => `${s}://`).join(', ')}, got ${JSON.stringify(`${dsn.protocol}//…`)}`,
    );
  }
  return kind;
}

/**
 * The DSN that `routeperf.record` messages go to: `transports[routing['routeperf.record']]` when routed,
 * else `transport`. With a name, the named transport (what `routeperf consume <name>` asks for).
 */
export function recordTransportDsn(config: ResolvedConfig, name?: string): string {
  const wanted = name ?? config.routing['routeperf.record'];
  if (wanted === undefined) return config.transport;
  const named = config.transports[wanted];
  if (named !== undefined) return typeof named === 'string' ? named : named.dsn;
  if (name !== undefined && /^[a-z]+:/.test(name)) return name;
  const known = Object.keys(config.transports);
  throw new RouteperfError(
    'ROUTEPERF_CONFIG_INVALID',
    `${name === undefined ? "routing['routeperf.record']" : 'transport name'}: expected one of the names in \`transports\` (${known.length ? known.join(', ') : 'none defined'}), got ${JSON.stringify(wanted)}`,
  );
}

/**
 * The retry strategy of the worker consuming `dsn`: `retry`, with the own `retry` of the named transport
 * that has this DSN merged over it, as Messenger's per-transport retry strategy.
 */
export function retryFor(config: ResolvedConfig, dsn: string): RetryOptions {
  const named = Object.values(config.transports).find(
    (entry): entry is NamedTransport => typeof entry !== 'string' && entry.dsn === dsn,
  );
  return { ...config.retry, ...named?.retry };
}

/** True for `sync://`: handled in this process right after the response, without a transport. */
export function isSyncDsn(dsn: string): boolean {
  return parseDsn(dsn).protocol === 'sync:';
}

const IN_PROCESS = ['sync:', 'memory:'];

/** True for transports whose messages live inside the app's process: no other process can receive them. */
export function isInProcess(dsn: string): boolean {
  return IN_PROCESS.includes(parseDsn(dsn).protocol);
}

/** The client package a DSN needs that is not installed, or undefined when all is there. */
export async function missingClientPackage(dsn: string, config: ResolvedConfig): Promise<string | undefined> {
  const url = parseDsn(dsn);
  if (url.protocol === 'sync:') return undefined;
  const name = kindOf(url).clientPackage(url, config);
  if (name === undefined) return undefined;
  try {
    await import(name);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return name;
    throw error;
  }
}

/** Opens the transport of a DSN (its client library is imported now). */
export async function openTransport(dsn: string, context: TransportContext): Promise<Transport> {
  const url = parseDsn(dsn);
  return (await kindOf(url).load())(url, context);
}
