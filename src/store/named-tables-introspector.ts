import type { DatabaseIntrospector, Dialect, Kysely, TableMetadata } from 'kysely';
import type { StoreDialect } from './dialects/index.js';

/**
 * Kysely's dialect with an introspector that only looks `names` up, each by its name.
 *
 * Kysely's Migrator asks the introspector whether its bookkeeping tables exist, and Kysely's own
 * introspectors read every table of the database. On PostgreSQL that read fails with `relation "…" does not
 * exist` whenever another table of the database is dropped meanwhile, so an app starting while anything
 * else drops a table (another app, another routeperf prefix) could not migrate.
 */
export function introspectingOnly(
  dialect: Dialect,
  storeDialect: StoreDialect,
  names: readonly string[],
): Dialect {
  return {
    createDriver: () => dialect.createDriver(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => new NamedTablesIntrospector(db, storeDialect, names),
  };
}

class NamedTablesIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly dialect: StoreDialect,
    private readonly names: readonly string[],
  ) {}

  /** routeperf keeps its tables in the connection's default schema and never asks for others. */
  async getSchemas() {
    return [];
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await this.dialect.existingTables(this.names).execute(this.db);
    return rows.map(({ name }) => ({ name, isView: false, columns: [] }));
  }

  async getMetadata() {
    return { tables: await this.getTables() };
  }
}
