import { createServer } from 'node:http';
import { createDashboard, type Dashboard } from '../../dashboard/index.js';
import type { Routeperf } from '../../routeperf.js';
import { defineCommand } from '../command.js';
import { listen, servingAddress, servingOptions } from '../listen.js';
import { cliLayer, databaseOf, withReadOnlyRouteperf } from '../open.js';
import { untilStopped } from '../until-stopped.js';

const DEFAULT_PORT = 4100;

export const dashboardCommand = defineCommand({
  name: 'dashboard',
  summary: 'Serve the web dashboard over the configured database, reading only',
  details: [
    'Serves the dashboard at the root of its own server, with the access control, language and',
    'auto-refresh of the `dashboard` key of the configuration. When that key sets no access control',
    '(authorize, basicAuth, allowUnauthenticated), it prints a one-time login link instead. It creates no',
    'table or file; a database without routeperf\'s tables needs "routeperf migrate" first. It stops on',
    'Ctrl-C (SIGINT) or SIGTERM.',
  ].join('\n'),
  options: {
    ...servingOptions(DEFAULT_PORT),
  },
  examples: ['routeperf dashboard', 'routeperf dashboard --port 8080 --host 0.0.0.0'],
  async run(values) {
    const { port, host } = servingAddress(values, DEFAULT_PORT);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    await withReadOnlyRouteperf(cliLayer(values), async (routeperf) => {
      // One read first: a database without tables fails now, with the migrate to run, not on every page.
      await routeperf.routes({ since: Date.now(), limit: 1 });
      // Reading only: no review or deletion, whatever dashboard.actions says.
      const dashboard = createDashboard(
        routeperf,
        { autoRefresh: false, ...routeperf.config.dashboard, path: '' },
        { readOnly: true },
      );
      const server = createServer((req, res) => {
        dashboard.node(req, res).catch((error: Error) => res.destroy(error));
      });
      const url = await listen(server, port, host);
      out(`routeperf dashboard: ${databaseOf(routeperf)}, environment "${routeperf.config.environment}"`);
      out(`Serving ${url}/ (Ctrl-C to stop)`);
      if (!hasAccessControl(routeperf)) out(loginLine(dashboard, url));
      await untilStopped();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      out('Stopped.');
    });
  },
});

function hasAccessControl(routeperf: Routeperf): boolean {
  const options = routeperf.config.dashboard;
  return !!(options?.authorize || options?.basicAuth || options?.allowUnauthenticated);
}

function loginLine(dashboard: Dashboard, url: string): string {
  return [
    'No access control is configured (dashboard.authorize, dashboard.basicAuth): open this link to log in,',
    `once, within an hour: ${url}/login?token=${dashboard.createLoginToken()}`,
  ].join('\n');
}
