import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import type { Store } from '../../src/store/store.js';
import { TABLES } from '../../src/store/tables.js';
import { describeEachDatabase } from '../support/databases.js';
import { ingestFromAnotherProcess, useTestStores } from './helpers.js';
import { metrics } from './samples.js';

/** Names the schema would have without a prefix, Kysely's default bookkeeping tables included. */
const UNPREFIXED = [...TABLES, 'migrations', 'migrations_lock', 'kysely_migration', 'kysely_migration_lock'];

/**
 * Every table of the database, from the catalog: Kysely's introspection fails when another test drops a
 * table meanwhile.
 */
const ALL_TABLES = {
  sqlite: "select name from sqlite_master where type = 'table'",
  postgres: 'select tablename as name from pg_tables where schemaname = current_schema()',
  mysql: 'select table_name as name from information_schema.tables where table_schema = database()',
};

describeEachDatabase((database) => {
  const stores = useTestStores(database);

  async function tableNames(store: Store): Promise<string[]> {
    const query = sql<{ name: string }>`${sql.raw(ALL_TABLES[database.name])}`;
    const { rows } = await query.execute(await stores.tables(store));
    return rows.map((row) => row.name);
  }
  const prefixed = (names: string[], prefix: string) =>
    names.filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length));

  it('migrate() creates the prefixed tables, and nothing else, once', async () => {
    const store = stores.open({ autoSetup: false });
    const { prefix } = stores.where(store);
    const before = await tableNames(store);

    const first = await store.migrate();
    expect(first.results).toEqual([
      expect.objectContaining({ migrationName: '0001_initial', status: 'Success' }),
      expect.objectContaining({ migrationName: '0002_async_recording', status: 'Success' }),
      expect.objectContaining({ migrationName: '0003_ledger_speed', status: 'Success' }),
      expect.objectContaining({ migrationName: '0004_correlation_id', status: 'Success' }),
      expect.objectContaining({ migrationName: '0005_environments', status: 'Success' }),
      expect.objectContaining({ migrationName: '0006_claim_tokens', status: 'Success' }),
      expect.objectContaining({ migrationName: '0007_query_repeats', status: 'Success' }),
      expect.objectContaining({ migrationName: '0008_rollups', status: 'Success' }),
      expect.objectContaining({ migrationName: '0009_route_reviews', status: 'Success' }),
      expect.objectContaining({ migrationName: '0010_dashboard_reads', status: 'Success' }),
      expect.objectContaining({ migrationName: '0011_quarter_days', status: 'Success' }),
      expect.objectContaining({ migrationName: '0012_alerts', status: 'Success' }),
    ]);
    const second = await store.migrate();
    expect(second).toEqual({ results: [] });

    const after = await tableNames(store);
    expect(prefixed(after, prefix).sort()).toEqual([...TABLES, 'migrations', 'migrations_lock'].sort());
    const created = after.filter((name) => !before.includes(name));
    expect(created.filter((name) => UNPREFIXED.includes(name))).toEqual([]);
  });

  // PostgreSQL only: the other databases compare these ids byte by byte already (see the migration).
  if (database.name === 'postgres')
    it('on PostgreSQL, compares ids byte by byte and keeps a BRIN index on the ledger time', async () => {
      const store = stores.open();
      await store.migrate();
      const { prefix } = stores.where(store);
      const db = await stores.tables(store);
      const { rows: collations } = await sql<{ table: string; collation: string }>`
        select c.table_name as table, c.collation_name as collation from information_schema.columns c
        where c.table_name in (${`${prefix}processed_messages`}, ${`${prefix}access_records`})
          and c.column_name in ('message_id', 'request_id')
        order by c.table_name`.execute(db);
      expect(collations).toEqual([
        { table: `${prefix}access_records`, collation: 'C' },
        { table: `${prefix}processed_messages`, collation: 'C' },
      ]);
      const { rows: indexes } = await sql<{ method: string }>`
        select am.amname as method from pg_class i join pg_am am on am.oid = i.relam
        where i.relname = ${`${prefix}processed_messages_time`}`.execute(db);
      expect(indexes).toEqual([{ method: 'brin' }]);
    });

  it('keeps two prefixes in one database apart', async () => {
    const one = stores.open();
    const other = stores.open({ database: stores.where(one).url });
    await one.ingest([metrics()]);
    await other.ingest([metrics(), metrics({ route: '/other' })]);
    expect((await one.routes()).map((r) => [r.route, r.count])).toEqual([['/users/:id', 1]]);
    expect(await other.routes({ sort: 'route' })).toMatchObject([
      { route: '/other' },
      { route: '/users/:id' },
    ]);
  });

  it('without autoSetup, fails with a clear error until the tables are migrated', async () => {
    const store = stores.open({ autoSetup: false });
    const { prefix } = stores.where(store);
    const failure = store.ingest([metrics()]);
    await expect(failure).rejects.toBeInstanceOf(RouteperfError);
    await expect(failure).rejects.toThrow(
      /are missing or out of date, and autoSetup is off: run `routeperf migrate`/,
    );
    await expect(store.routes()).rejects.toThrow(/routeperf migrate/);
    expect(prefixed(await tableNames(store), prefix)).toEqual([]);

    await stores.reopen(store, { autoSetup: false }).migrate();
    await store.ingest([metrics()]);
    expect(await store.routes()).toMatchObject([{ count: 1 }]);
  });

  // A server database, whose other clients may change its tables meanwhile (a SQLite file's DDL waits).
  if (database.name !== 'sqlite')
    it('migrates while other tables of the database are created and dropped', async () => {
      const { url, prefix } = stores.where(stores.open());
      const others = await stores.tables(stores.open({ database: url, tablePrefix: prefix }));
      const churn = keepReplacingTables(others, `${prefix}other_`);
      try {
        const fresh = Array.from({ length: 12 }, () => stores.open({ database: url }));
        const results = await Promise.allSettled(fresh.map((store) => store.migrate()));
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      } finally {
        await churn.stop();
      }
      expect(churn.replaced()).toBeGreaterThan(0);
    });

  it('several processes starting on new tables at once migrate them once and all write', async () => {
    // The race is short; SQLite, whose locking routeperf provides itself, gets several rounds of it.
    const rounds = database.name === 'sqlite' ? 3 : 1;
    const processes = 4;
    for (let round = 0; round < rounds; round++) {
      const store = stores.open();
      await Promise.all(
        Array.from({ length: processes }, () => ingestFromAnotherProcess(stores.where(store))),
      );
      expect(await store.routes()).toMatchObject([{ count: processes }]);
    }
  });
});

/**
 * Creates and drops tables named `<prefix><n>` in a loop on `db`, as another app or another routeperf
 * prefix sharing the database may do at any time, until `stop()`.
 */
function keepReplacingTables(db: Kysely<any>, prefix: string) {
  let running = true;
  let replaced = 0;
  const loop = (async () => {
    while (running) {
      const table = `${prefix}${replaced % 4}`;
      await db.schema
        .createTable(table)
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('a', 'integer')
        .addColumn('b', 'integer')
        .execute();
      await db.schema.dropTable(table).execute();
      replaced += 1;
    }
  })();
  return {
    replaced: () => replaced,
    async stop() {
      running = false;
      await loop;
    },
  };
}
