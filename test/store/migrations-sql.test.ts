import { Kysely, type Migration, Migrator } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { dialectFor } from '../../src/store/dialects/index.js';
import { createMigrator, migrationTables } from '../../src/store/migrations/index.js';
import { introspectingOnly } from '../../src/store/named-tables-introspector.js';
import { TablePrefixPlugin } from '../../src/store/table-prefix-plugin.js';
import { TABLES } from '../../src/store/tables.js';
import { describeEachDatabase, dropTables, uniquePrefix } from '../support/databases.js';

/** The prefix the snapshots are written with: routeperf's default, what most users' databases have. */
const SHOWN_PREFIX = 'routeperf_';

/**
 * Users' databases have run these statements already, so a migration's SQL must never change: each
 * migration's statements, in order and by name, are compared against a committed file per database.
 */
describeEachDatabase((database) => {
  const opened: { db: Kysely<any>; url: string; prefix: string }[] = [];
  afterEach(async () => {
    for (const { db, url, prefix } of opened.splice(0)) {
      await db.destroy();
      await dropTables(url, prefix);
    }
  });

  it('each migration runs the SQL it always ran', async () => {
    const url = database.url();
    const prefix = uniquePrefix();
    const dialect = dialectFor(url);
    let running: string[] | undefined;
    const db = new Kysely<any>({
      dialect: introspectingOnly(await dialect.createDialect(url, () => {}), dialect, [
        ...TABLES.map((table) => prefix + table),
        ...Object.values(migrationTables(prefix)),
      ]),
      plugins: [new TablePrefixPlugin(prefix, TABLES)],
      log(event) {
        if (event.level !== 'query' || !running) return;
        const { sql, parameters } = event.query;
        running.push(parameters.length ? `${sql}; -- ${JSON.stringify(parameters)}` : `${sql};`);
      },
    });
    opened.push({ db, url, prefix });

    // Kysely's own bookkeeping (its tables, its lock) is not routeperf's schema: only what `up` runs counts.
    const statements: string[] = [];
    const recorded: Record<string, Migration> = {};
    for (const { name, migration } of await createMigrator(db, dialect, prefix).getMigrations()) {
      recorded[name] = {
        async up(trx) {
          running = [`-- ${name}`];
          await migration.up(trx);
          statements.push(...running, '');
          running = undefined;
        },
      };
    }
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => recorded },
      ...migrationTables(prefix),
    });
    const { error } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();

    const shown = statements.join('\n').replaceAll(prefix, SHOWN_PREFIX);
    await expect(shown).toMatchFileSnapshot(`./__snapshots__/migrations-sql/${database.name}.sql`);
  });
});
