import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import { useTestStores } from '../store/helpers.js';
import { runCli, tempFolder } from '../support/cli.js';
import { describeEachDatabase } from '../support/databases.js';
import { requestMetrics } from '../support/metrics.js';

describeEachDatabase(
  (database) => {
    const stores = useTestStores(database);

    it('a statement the database refuses is reported as what it is, not as the database being down', async () => {
      const store = stores.open();
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
