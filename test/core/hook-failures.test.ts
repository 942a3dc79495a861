import { createServer, type IncomingMessage } from 'node:http';
import { expect, it } from 'vitest';
import { withRouteperf } from '../../src/adapters/http.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteUrl } from '../support/sqlite.js';

const defer = deferAfterEach();

const fail = () => {
  throw new Error('hook bug');
};

it.each([
  [
    'routeOf',
    { routeOf: fail as (req: IncomingMessage) => string },
    '(unmatched)',
    'under the route "(unmatched)"',
  ],
  [
    'getUser',
    { getUser: fail, accessRecords: { enabled: true, trackUser: true } },
    '/:id',
    'without a user id',
  ],
  ['beforeRecord', { beforeRecord: fail }, '/:id', 'whatever changes the hook made'],
])('a failing %s hook is logged with what becomes of the request', async (hook, options, route, outcome) => {
  const { logger, lines } = capturingLogger();
  const listener = withRouteperf((_, res) => res.end('ok'), {
    database: sqliteUrl(),
    tablePrefix: uniquePrefix(),
    environment: 'test',
    logger,
    ...options,
  });
  const server = createServer(listener);
  defer(async () => {
    await closeServer(server);
    await listener.close();
  });
  const response = await fetch(`${await listen(server)}/42`);
  expect(await response.text()).toBe('ok');
  const routeperf = await listener.ready;
  expect((await routeperf.routes()).map((row) => [row.route, row.count])).toEqual([[route, 1]]);
  expect(lines.error).toHaveLength(1);
  expect(lines.error[0]).toContain(`${hook} hook failed; the request is recorded`);
  expect(lines.error[0]).toContain(outcome);
  expect(lines.error[0]).toContain('hook bug');
});
