import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: "Create or upgrade routeperf's tables in the database",
  options: {},
  examples: ['routeperf migrate', 'routeperf migrate --database postgres://user:pass@localhost:5432/app'],
  async run(values) {
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const { results = [] } = await internalsOf(routeperf).store.migrate();
      if (results.length === 0) {
        process.stdout.write(`${databaseOf(routeperf)}: schema is up to date.\n`);
        return;
      }
      const applied = results.map((result) => `  applied ${result.migrationName}`);
      process.stdout.write(`${databaseOf(routeperf)}: migrated.\n${applied.join('\n')}\n`);
    });
  },
});
