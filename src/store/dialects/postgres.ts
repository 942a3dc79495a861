import { PostgresDialect, sql } from 'kysely';
import { ArrayInsert } from '../bulk-insert.js';
import type { StoreDialect } from './dialect.js';
import { importDriver } from './import-driver.js';
import { onConflictDoNothing, onConflictUpsert } from './on-conflict.js';

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
    const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 5000, max: 10 });
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
  claimMethod: async () => 'returning',
  isTransient: (error) => TRANSIENT_CODES.has(String((error as { code?: string })?.code)),
};
