import type { TransportFactory } from '../../transport.js';
import { parseRedisDsn } from './options.js';
import { RedisStreamsTransport } from './transport.js';

export { RedisUnreachableError } from './connection.js';
export type { RedisTransportOptions } from './options.js';
export { parseRedisDsn } from './options.js';
export { RedisStreamsTransport } from './transport.js';

/**
 * `redis://[user:pass@]host:port/<stream>?group=routeperf&consumer=<host-pid>&maxLength=…&redeliveryTimeout=60000&db=0&pack=100`,
 * `rediss://…` for TLS, `?cluster=true[&nodes=host:port,…]` for a Redis Cluster.
 * Connects at the first command, so it neither connects nor fails here when Redis is down.
 */
export const createTransport: TransportFactory = async (dsn, context) => {
  const options = parseRedisDsn(dsn, context.consumerName);
  const { Redis, Cluster } = await import('ioredis');
  return new RedisStreamsTransport(options, { Redis, Cluster }, context.onBackgroundError);
};
