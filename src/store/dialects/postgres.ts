import { PostgresDialect, sql } from 'kysely';
import type { ClientConfig } from 'pg';
import { ArrayInsert } from '../bulk-insert.js';
import type { StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';
import { onConflictDoNothing, onConflictUpsert } from './on-conflict.js';

/** How long opening one connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** Serialization failure, deadlock, lock not available. */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03']);

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  maxParameters: 65_000,
  autoIncrementType: 'bigserial',
  async createDialect(url, onPoolError) {
    const { default: pg } = await importDriver<{ default: typeof import('pg') }>(
      'pg',
      'A postgres: database',
    );
    // The timeout bounds opening a connection (a database that does not answer) and nothing else: set on the
    // pool, pg would also fail a write that only waits for a busy pool's next free connection.
    class BoundedConnectClient extends pg.Client {
      constructor(config?: ClientConfig) {
        super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      }
    }
    const pool = new pg.Pool({ connectionString: url, max: 10, Client: BoundedConnectClient });
    // An idle client losing its connection emits on the pool; unhandled, it would crash the app.
    pool.on('error', onPoolError);
    return new PostgresDialect({ pool });
  },
  exactText: (length) => sql`varchar(${sql.lit(length)})`,
  autoIncrement: (column) => column.primaryKey(),
  upsert: (insert, table, key, merge) =>
    onConflictUpsert(insert, table, key, merge, { min: 'least', max: 'greatest' }),
  bulkInsert: (db, table, columns, finish) => new ArrayInsert(db, table, columns, finish),
  insertIgnoringDuplicates: onConflictDoNothing,
  isTransient: (error) => TRANSIENT_CODES.has(String((error as { code?: string })?.code)),
};
