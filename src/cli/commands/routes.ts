import { ROUTE_SORT_KEYS } from '../../store/reads.js';
import { defineCommand } from '../command.js';
import { cliLayer, databaseOf, withReadOnlyRouteperf } from '../open.js';
import { REPORT_FORMATS, renderRoutes } from '../routes-report.js';
import { TIME_WINDOW_OPTIONS, timeWindowOf } from '../time-window.js';
import { httpMethod, nonEmpty, oneOf, wholeNumber } from '../values.js';

export const routesCommand = defineCommand({
  name: 'routes',
  summary: 'Show the performance of every route over a time window',
  options: {
    environment: {
      type: 'string',
      value: '<name>',
      description: 'Environment to report (default: the current one)',
    },
    ...TIME_WINDOW_OPTIONS,
    sort: {
      type: 'string',
      value: '<key>',
      description: `Sort by ${ROUTE_SORT_KEYS.join(', ')} (default: avg)`,
    },
    order: { type: 'string', value: '<asc|desc>', description: 'Sort order (default: desc, asc for route)' },
    limit: { type: 'string', value: '<n>', description: 'Show at most n routes' },
    method: { type: 'string', value: '<method>', description: 'Only routes of this HTTP method' },
    search: { type: 'string', value: '<text>', description: 'Only routes whose template contains this text' },
    format: { type: 'string', value: '<table|json|csv>', description: 'Output format (default: table)' },
  },
  examples: [
    'routeperf routes --since 24h --sort p95 --limit 10',
    'routeperf routes --environment production --search /users --format json',
    'routeperf routes --since 2024-05-01 --until 2024-05-02 --format csv > routes.csv',
  ],
  async run(values) {
    const { since, until } = timeWindowOf(values, Date.now());
    const query = {
      since: since?.at,
      until: until?.at,
      sort: oneOf('sort', values.sort, ROUTE_SORT_KEYS),
      order: oneOf('order', values.order, ['asc', 'desc'] as const),
      limit: wholeNumber('limit', values.limit),
      method: httpMethod('method', values.method),
      search: values.search,
    };
    const format = oneOf('format', values.format, REPORT_FORMATS) ?? 'table';
    // The environment is part of the configuration, not only of the query: overrides for it apply too.
    const environment = nonEmpty('environment', values.environment);
    const cli = cliLayer(values, environment === undefined ? {} : { environment });

    await withReadOnlyRouteperf(cli, async (routeperf) => {
      const routes = await routeperf.routes(query);
      const window = describeWindow(since?.label, until?.label);
      const heading = {
        environment: routeperf.config.environment,
        window,
        database: databaseOf(routeperf),
        nPlusOneThreshold: routeperf.config.nPlusOneThreshold,
      };
      process.stdout.write(`${renderRoutes(routes, format, heading)}\n`);
    });
  },
});

function describeWindow(since: string | undefined, until: string | undefined): string {
  if (since && until) return `from ${since} to ${until}`;
  if (since) return `since ${since}`;
  if (until) return `until ${until}`;
  return 'all time';
}
