import type { StoreDialect } from '../dialects/index.js';

/** What a migration needs besides Kysely: the database it runs on, and the names it gives. */
export interface MigrationContext {
  readonly dialect: StoreDialect;
  /**
   * An index or constraint name under routeperf's table prefix. The prefix plugin renames tables only, and
   * PostgreSQL keeps index names per schema, which two prefixes may share.
   */
  name(suffix: string): string;
}
