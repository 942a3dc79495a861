import type { TransportFactory } from '../../transport.js';
import { DatabaseTransport } from './database-transport.js';
import { queueOptions } from './options.js';

export { DatabaseTransport } from './database-transport.js';

/**
 * `database://default` (a queue table in the store's database), or `postgres://…`, `mysql://…`,
 * `sqlite:…` (in another database). Parameters: `queue` (default `default`; several queues share one
 * table), `tablePrefix` (another database only; default `routeperf_`), `redeliveryTimeout` (ms, default
 * 60000), `pollInterval` (ms between claims on an empty queue; default 200, 1000 on PostgreSQL, which is
 * woken by NOTIFY). Nothing connects until the first call.
 */
export const createTransport: TransportFactory = async (dsn, context) =>
  new DatabaseTransport(queueOptions(dsn, context));
