import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ENVIRONMENT_NAME_LENGTH, TABLE_PREFIX_LENGTH } from '../../src/config/schema.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf } from '../../src/routeperf.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeEachDatabase } from '../support/databases.js';
import { requestMetrics } from '../support/metrics.js';
import { ownDatabaseFor } from '../support/own-database.js';

const defer = deferAfterEach();

/** A prefix of exactly `length` characters that no other test uses. */
function longPrefix(length: number) {
  return `rpt_${randomBytes(length).toString('hex')}`.slice(0, length - 1).concat('_');
}

describeEachDatabase((database) => {
  it('stores and reads back with the longest table prefix and environment the configuration accepts', async () => {
    const { url, drop } = await ownDatabaseFor(database);
    const tablePrefix = longPrefix(TABLE_PREFIX_LENGTH);
    const environment = `${'é'.repeat(ENVIRONMENT_NAME_LENGTH - 1)}😀`;
    const routeperf = await createRouteperf({
      database: url,
      tablePrefix,
      environment,
      environments: [environment],
      accessRecords: { enabled: true },
    });
    defer(async () => {
      await routeperf.close();
      await drop();
    });
    expect(tablePrefix).toHaveLength(TABLE_PREFIX_LENGTH);

    await internalsOf(routeperf).store.ingest([requestMetrics({ environment, path: '/users/1' })]);

    const routes = await routeperf.routes({ environment });
    expect(routes.map((route) => [route.environment, route.route, route.count])).toEqual([
      [environment, '/users/:id', 1],
    ]);
  });
});
