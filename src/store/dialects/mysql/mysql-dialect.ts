import { plainReadSession, type StoreDialect } from '../dialect.js';
import { mysqlConnection } from './mysql-connection.js';
import { mysqlErrorCause } from './mysql-errors.js';
import { mysqlSchema } from './mysql-schema.js';
import { mysqlWrites } from './mysql-writes.js';

export const mysqlDialect: StoreDialect = {
  name: 'mysql',
  ...mysqlConnection,
  ...mysqlSchema,
  ...mysqlWrites,
  classifyError: mysqlErrorCause,
  readSession: plainReadSession,
};
