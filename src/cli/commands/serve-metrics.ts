import { createServer } from 'node:http';
import { prometheusHandler } from '../../prometheus/index.js';
import { defineCommand } from '../command.js';
import { listen, servingAddress, servingOptions } from '../listen.js';
import { cliLayer, databaseOf, withReadOnlyRouteperf } from '../open.js';
import { untilStopped } from '../until-stopped.js';
import { nonEmpty, quantileWindow } from '../values.js';

/** The port OpenTelemetry's Prometheus exporter uses: one a scrape config may already name. */
const DEFAULT_PORT = 9464;
const METRICS_PATH = '/metrics';

export const serveMetricsCommand = defineCommand({
  name: 'serve-metrics',
  summary: "Serve the stored routes' metrics for Prometheus to scrape, reading only",
  details: [
    `Answers GET ${METRICS_PATH} with the routes of the configured database in Prometheus' text format:`,
    'requests and 5xx errors, request time (quantiles over --window, sum and count of all), database',
    'queries and their time. Every app instance and worker writes to that database, so one scrape covers',
    'them all. It creates no table or file; it stops on Ctrl-C (SIGINT) or SIGTERM.',
  ].join('\n'),
  options: {
    ...servingOptions(DEFAULT_PORT),
    window: {
      type: 'string',
      value: '<duration>',
      description: 'How far back the quantiles of the request time look: 5m, 1h (default 5m)',
    },
    environment: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: 'An environment to expose; repeat it for several (default: the configured one)',
    },
  },
  examples: [
    'routeperf serve-metrics',
    'routeperf serve-metrics --port 9464 --host 0.0.0.0 --window 1m',
    'routeperf serve-metrics --environment production --environment staging',
  ],
  async run(values) {
    const { port, host } = servingAddress(values, DEFAULT_PORT);
    const window = quantileWindow('window', values.window);
    const environments = values.environment?.map((name) => nonEmpty('environment', name)!);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    await withReadOnlyRouteperf(cliLayer(values), async (routeperf) => {
      // One read first: a database without tables fails now, with the migrate to run, not at every scrape.
      await routeperf.routes({ since: Date.now(), limit: 1 });
      const scrape = prometheusHandler(routeperf, { window, environments });
      const server = createServer((req, res) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname === METRICS_PATH) return scrape(req, res);
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Not found: the metrics are at ${METRICS_PATH}.\n`);
      });
      const url = await listen(server, port, host);
      const shown = (environments ?? [routeperf.config.environment]).map((name) => `"${name}"`).join(', ');
      out(`routeperf serve-metrics: ${databaseOf(routeperf)}, environment ${shown}`);
      out(`Serving ${url}${METRICS_PATH} (Ctrl-C to stop)`);
      await untilStopped();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      out('Stopped.');
    });
  },
});
