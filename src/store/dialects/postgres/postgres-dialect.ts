import type { StoreDialect } from '../dialect.js';
import { postgresConnection } from './postgres-connection.js';
import { postgresErrorCause } from './postgres-errors.js';
import { postgresSchema } from './postgres-schema.js';
import { postgresWrites } from './postgres-writes.js';

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  ...postgresConnection,
  ...postgresSchema,
  ...postgresWrites,
  classifyError: postgresErrorCause,
};
