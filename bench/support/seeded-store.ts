import { Kysely } from 'kysely';
import { dialectFor } from '../../src/store/dialects/index.js';
import { Store } from '../../src/store/store.js';
import { TablePrefixPlugin } from '../../src/store/table-prefix-plugin.js';
import { type Database, TABLES } from '../../src/store/tables.js';

/**
 * A migrated store on a bench's own tables, with access records on and the rollup left to the bench, and
 * a Kysely instance on the same tables (logical names) for seeding them the fast way.
 */
export async function seededStore(database: string, tablePrefix: string, environment: string) {
  const store = new Store({
    database,
    tablePrefix,
    environment,
    autoSetup: true,
    autoRollup: false,
    maxRoutes: 100_000,
    accessRecords: { enabled: true, retentionDays: null },
    onBackgroundError: (error) => console.error(error),
  });
  await store.migrate();
  const dialect = await dialectFor(database).createDialect(database, () => {});
  const db = new Kysely<Database>({ dialect, plugins: [new TablePrefixPlugin(tablePrefix, TABLES)] });
  return { store, db };
}
