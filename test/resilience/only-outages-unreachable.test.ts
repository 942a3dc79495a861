import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import { useTestStores } from '../store/helpers.js';
import { runCli, tempFolder } from '../support/cli.js';
import { describeEachDatabase } from '../support/databases.js';
import { requestMetrics } from '../support/metrics.js';
import { createOwnDatabase, type OwnDatabase } from '../support/own-database.js';

describeEachDatabase(
  (database) => {
    // A database of the test's own: other tests creating and dropping tables beside it cannot interfere.
    let own: OwnDatabase | undefined;
    afterEach(async () => {
      await own?.drop();
      own = undefined;
    });
    // Declared after the drop above, so that its own clean-up runs before it.
    const stores = useTestStores(database);

    it('a statement the database refuses is reported as what it is, not as the database being down', async () => {
      own = await createOwnDatabase(database.name as 'postgres' | 'mysql');
      const store = stores.open({ database: own.url });
      const { url, prefix } = stores.where(store);
      // A table of routeperf's name that is not routeperf's: creating routeperf's own is refused.
      const db = await stores.tables(store);
      await sql`create table ${sql.raw(`${prefix}routes`)} (x int)`.execute(db);

      const error = await store.ingest([requestMetrics()]).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(RouteperfError);
      expect((error as Error).message).toMatch(/already exists/);

      const cli = await runCli(['migrate', '--database', url], {
        cwd: tempFolder({ tablePrefix: prefix }),
      });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/already exists/);
      expect(cli.stderr).not.toContain('Check that the database is running');
    });
  },
  ['postgres', 'mysql'],
);
