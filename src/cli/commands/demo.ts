import { dashboardOf } from '../../dashboard/index.js';
import { redactDsn } from '../../dsn.js';
import { formatCount } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { cliLayer, databaseOf, withRecordingRouteperf } from '../open.js';
import { routesTable } from '../routes-report.js';
import { untilStopped } from '../until-stopped.js';
import { usageError } from '../usage-error.js';
import { positiveSeconds, wholeNumber } from '../values.js';

const DEMO_DATABASE = 'sqlite:./var/routeperf-demo.sqlite';
/** Where the demo app serves the dashboard, beside its own routes. */
const DASHBOARD_PATH = '/performance';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Run a sample Fastify app, send it traffic, show its routes report and serve the dashboard',
  options: {
    port: { type: 'string', value: '<n>', description: 'Port to serve on (default 3000; another if taken)' },
    duration: { type: 'string', value: '<seconds>', description: 'Seconds of traffic to send (default 4)' },
    'no-serve': { type: 'boolean', description: 'Exit after the report instead of serving until Ctrl-C' },
  },
  examples: ['routeperf demo', 'routeperf demo --port 8080 --duration 10', 'routeperf demo --no-serve'],
  async run(values) {
    const port = wholeNumber('port', values.port, { min: 0, max: 65_535 }) ?? 3000;
    const seconds = positiveSeconds('duration', values.duration) ?? 4;
    const database = values.database ?? DEMO_DATABASE;
    // Loaded only now: the other commands must work where Fastify is not installed.
    const { runDemo } = await import('../../demo/run.js');

    const cli = cliLayer({ ...values, database }, { dashboard: { path: DASHBOARD_PATH } });
    await withRecordingRouteperf(cli, async (routeperf) => {
      const { config } = routeperf;
      if (!internalsOf(routeperf).recorder.active) {
        throw usageError(
          `the demo would record nothing: routeperf is disabled or environment "${config.environment}" is not in environments [${config.environments.join(', ')}]; set ROUTEPERF_ENV=development or fix the config`,
        );
      }
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`routeperf demo: recording into ${databaseOf(routeperf)}, environment "${config.environment}"`);

      await runDemo(routeperf, {
        port,
        durationMs: seconds * 1000,
        serveUntil: values['no-serve'] ? undefined : untilStopped,
        on: {
          listening: ({ url, takenPort }) =>
            out(`Listening on ${url}${takenPort === undefined ? '' : ` (port ${takenPort} was taken)`}`),
          driving: (concurrency) =>
            out(`Sending ${seconds} s of traffic from ${concurrency} concurrent clients…`),
          sent: ({ requests, statuses, failed }) => {
            const byStatus = Object.entries(statuses).map(([code, n]) => `${code} ×${formatCount(n)}`);
            const lost = failed ? `, ${formatCount(failed)} without a response` : '';
            out(`Sent ${formatCount(requests)} requests: ${byStatus.join(', ')}${lost}\n`);
          },
          report: (routes, since) =>
            out(
              `${routesTable(routes, {
                environment: config.environment,
                window: `since ${since.toISOString()}`,
                database: databaseOf(routeperf),
                nPlusOneThreshold: config.nPlusOneThreshold,
              })}\n`,
            ),
          serving: (url) =>
            out(
              [
                `Serving the demo at ${url} (Ctrl-C to stop). Try ${url}/slow or ${url}/users/7/orders,`,
                `then: routeperf routes --database ${redactDsn(database)}`,
                '',
                `Dashboard (this link logs you in once): ${url}${DASHBOARD_PATH}/login?token=${dashboardOf(routeperf)!.createLoginToken()}`,
              ].join('\n'),
            ),
          stopped: () => out('Stopped.'),
        },
      });
    });
  },
});
