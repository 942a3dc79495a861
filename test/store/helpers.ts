import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kysely } from 'kysely';
import { afterEach } from 'vitest';
import { dialectFor } from '../../src/store/dialects/index.js';
import { Store, type StoreOptions } from '../../src/store/store.js';
import { TablePrefixPlugin } from '../../src/store/table-prefix-plugin.js';
import { type Database, TABLES } from '../../src/store/tables.js';
import { dropTables, type TestDatabase, uniquePrefix } from '../support/databases.js';

export type TestStoreOptions = Partial<Omit<StoreOptions, 'accessRecords'>> & {
  accessRecords?: Partial<StoreOptions['accessRecords']>;
  /** The database cannot be reached, so there are no tables to drop afterwards. */
  unreachable?: boolean;
};

interface Opened {
  url: string;
  prefix: string;
  unreachable?: boolean;
}

/**
 * Opens Stores on `database`, each on its own tables, and closes them and drops their tables after each
 * test. Call it inside a `describeEachDatabase` block.
 */
export function useTestStores(database: TestDatabase) {
  const stores = new Map<Store, Opened>();
  const connections: Kysely<Database>[] = [];
  afterEach(async () => {
    for (const db of connections.splice(0)) await db.destroy();
    for (const store of stores.keys()) await store.close();
    const reachable = [...stores.values()].filter((opened) => !opened.unreachable);
    const tables = new Map(reachable.map((opened) => [opened.prefix, opened.url]));
    stores.clear();
    for (const [prefix, url] of tables) await dropTables(url, prefix);
  });

  function open({ unreachable, ...options }: TestStoreOptions = {}): Store {
    const url = options.database ?? database.url();
    const prefix = options.tablePrefix ?? uniquePrefix();
    const store = new Store({
      environment: 'test',
      autoSetup: true,
      maxRoutes: 1000,
      onBackgroundError: () => {},
      ...options,
      database: url,
      tablePrefix: prefix,
      accessRecords: { enabled: false, retentionDays: null, ...options.accessRecords },
    });
    stores.set(store, { url, prefix, unreachable });
    return store;
  }

  function where(store: Store): Opened {
    const opened = stores.get(store);
    if (!opened) throw new Error('not a store opened by useTestStores');
    return opened;
  }

  return {
    open,
    /** Another Store on the same database and tables, as a second process would open it. */
    reopen: (store: Store, options: TestStoreOptions = {}) =>
      open({ ...options, database: where(store).url, tablePrefix: where(store).prefix }),
    /** The database URL and table prefix of a store. */
    where,
    /** A Kysely instance on the store's tables (logical names), for checks the read API does not offer. */
    async tables(store: Store): Promise<Kysely<Database>> {
      const { url, prefix } = where(store);
      const dialect = await dialectFor(url).createDialect(url, () => {});
      const db = new Kysely<Database>({ dialect, plugins: [new TablePrefixPlugin(prefix, TABLES)] });
      connections.push(db);
      return db;
    },
  };
}

const INGEST_ONCE = fileURLToPath(new URL('./fixtures/ingest-once.ts', import.meta.url));

/** Runs fixtures/ingest-once.ts in its own process against the given tables; rejects with its stderr. */
export function ingestFromAnotherProcess(where: Opened): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', INGEST_ONCE, where.url, where.prefix],
      { timeout: 180_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    );
  });
}
