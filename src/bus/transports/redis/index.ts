import type { TransportFactory } from '../../transport.js';

// Placeholder until the redis transport lands; the registry imports it only when a redis DSN is used.
export const createTransport: TransportFactory = async () => {
  throw new Error('the redis transport is not implemented yet');
};
