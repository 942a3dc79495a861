import { type DatabaseIntrospector, type Dialect, type Kysely, sql, type TableMetadata } from 'kysely';
import type { StoreDialect } from './dialects/index.js';

/** Which of `names` exist as tables, resolved the way an unqualified name in a query would be. */
const EXISTING_TABLES: Record<StoreDialect['name'], (names: readonly string[]) => ReturnType<typeof sql>> = {
  postgres: (names) =>
    sql`select name from unnest(${names}::text[]) as name where to_regclass(quote_ident(name)) is not null`,
  mysql: (names) =>
    sql`select table_name as name from information_schema.tables
        where table_schema = database() and table_name in (${sql.join(names)})`,
  sqlite: (names) =>
    sql`select name from sqlite_master where type = 'table' and name in (${sql.join(names)})`,
};

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
  kind: StoreDialect['name'],
  names: readonly string[],
): Dialect {
  return {
    createDriver: () => dialect.createDriver(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => new NamedTablesIntrospector(db, kind, names),
  };
}

class NamedTablesIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: StoreDialect['name'],
    private readonly names: readonly string[],
  ) {}

  /** routeperf keeps its tables in the connection's default schema and never asks for others. */
  async getSchemas() {
    return [];
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await EXISTING_TABLES[this.kind](this.names).execute(this.db);
    return (rows as { name: string }[]).map(({ name }) => ({ name, isView: false, columns: [] }));
  }

  async getMetadata() {
    return { tables: await this.getTables() };
  }
}
