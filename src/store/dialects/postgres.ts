import { PostgresDialect, sql } from 'kysely';
import type { ClientConfig } from 'pg';
import { ArrayInsert } from '../bulk-insert.js';
import type { StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';
import { onConflictDoNothing, onConflictUpsert } from './on-conflict.js';
import { postgresErrorKind } from './postgres-errors.js';

/** How long opening one connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  maxParameters: 65_000,
  autoIncrementType: 'bigserial',
  async createDialect(url, onConnectionError) {
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
    // A client whose connection ends (the server restarts, a backend is terminated, the network resets)
    // emits 'error', idle or checked out; unheard, that event would crash the app. The query in flight
    // fails on its own and the pool drops the client on release, so the error is only reported here. The
    // pool repeats an idle client's error, already reported by the client's own listener.
    pool.on('connect', (client) => client.on('error', onConnectionError));
    pool.on('error', () => {});
    return new PostgresDialect({ pool });
  },
  exactText: (length) => sql`varchar(${sql.lit(length)})`,
  autoIncrement: (column) => column.primaryKey(),
  upsert: (insert, table, key, merge) =>
    onConflictUpsert(insert, table, key, merge, { min: 'least', max: 'greatest' }),
  bulkInsert: (db, table, columns, finish) => new ArrayInsert(db, table, columns, finish),
  insertIgnoringDuplicates: onConflictDoNothing,
  claimMethod: async () => 'returning',
  classifyError: postgresErrorKind,
};
