import type { TransportFactory } from '../../transport.js';
import { amqpOptions } from './options.js';
import { AmqpTransport } from './transport.js';

/**
 * `amqp://user:pass@host:5672/vhost?queue=routeperf&prefetch=1000`: see options.ts for every option. The
 * DSN is checked now; RabbitMQ is not contacted before the first call, so an app starts while it is down.
 */
export const createTransport: TransportFactory = async (dsn, context) => {
  const options = amqpOptions(dsn);
  const { connect } = await import('amqplib');
  return new AmqpTransport(connect, options, context);
};
