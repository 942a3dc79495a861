import { PostgresDialect } from 'kysely';
import type { ClientConfig } from 'pg';
import type { DialectConnection } from '../dialect.js';
import { importDriver } from '../shared/import-driver.js';

/** How long opening one connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

export const postgresConnection: DialectConnection = {
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
};
