import type { TransportFactory } from '../../transport.js';

// Placeholder until the amqp transport lands; the registry imports it only when a amqp DSN is used.
export const createTransport: TransportFactory = async () => {
  throw new Error('the amqp transport is not implemented yet');
};
