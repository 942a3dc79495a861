import { sql } from 'kysely';
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
  // A report's statements each aggregate some thousands of rows: starting parallel workers costs more than
  // they save (measured: a dashboard page 25-40 % slower, and twice as variable, on a 2-core server), and
  // they would take the cores of the app's own queries. Set for these reads only, in a read-only
  // transaction, so no pooled connection (nor a PgBouncer's server connection) keeps it.
  readSession: (db, read) =>
    db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
        return read(trx);
      }),
};
