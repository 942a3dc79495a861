import type { TransportFactory } from '../../transport.js';

// Placeholder until the database transport lands; the registry imports it only when a database DSN is used.
export const createTransport: TransportFactory = async () => {
  throw new Error('the database transport is not implemented yet');
};
