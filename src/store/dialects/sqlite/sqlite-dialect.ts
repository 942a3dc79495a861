import { plainReadSession, type StoreDialect } from '../dialect.js';
import { sqliteConnection } from './sqlite-connection.js';
import { sqliteErrorCause } from './sqlite-errors.js';
import { sqliteSchema } from './sqlite-schema.js';
import { sqliteWrites } from './sqlite-writes.js';

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  ...sqliteConnection,
  ...sqliteSchema,
  ...sqliteWrites,
  classifyError: sqliteErrorCause,
  readSession: plainReadSession,
};
