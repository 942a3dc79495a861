import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit.js';
import { printable } from '../format.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';
import { usageError } from '../usage-error.js';
import { httpMethod, nonEmpty } from '../values.js';

/** The route a command acts on, as `routeperf routes` shows it: its method, then its template. */
export const ROUTE_POSITIONALS = [
  { name: 'method', required: true, description: 'HTTP method of the route, e.g. GET' },
  { name: 'route', required: true, description: 'Route template, e.g. /users/:id' },
];

export const ENVIRONMENT_OPTION = {
  type: 'string',
  value: '<name>',
  description: 'Environment (default: the current one)',
} as const;

export const routesDeleteCommand = defineCommand({
  name: 'routes delete',
  summary: 'Delete everything recorded of one route: its buckets, access records and review',
  details: [
    'The route is its method and template, as `routeperf routes` shows them. The totals of its environment',
    'keep its requests. It asks for --yes, as the dashboard asks for the route typed again.',
  ].join('\n'),
  positionals: ROUTE_POSITIONALS,
  options: {
    environment: ENVIRONMENT_OPTION,
    yes: { type: 'boolean', description: 'Delete without asking (required)' },
  },
  examples: [
    'routeperf routes delete GET /users/:id --yes',
    'routeperf routes delete POST /legacy --environment staging --yes',
  ],
  exitCodes:
    'Exit codes: 0 deleted, 1 no such route or the database failed, 2 wrong arguments or configuration.',
  async run(values, [givenMethod, givenRoute]) {
    const method = httpMethod('<method>', givenMethod)!;
    const route = nonEmpty('<route>', givenRoute)!;
    const environment = nonEmpty('environment', values.environment);
    return withRouteperf(cliLayer(values), async (routeperf) => {
      const where = `${method} ${printable(route)} of environment "${environment ?? routeperf.config.environment}"`;
      if (!values.yes) throw usageError(`--yes: required to delete everything recorded of ${where}`);
      const admin = await internalsOf(routeperf).store.admin();
      const identity = { environment, method, route };
      if (!(await admin.routeExists(identity))) {
        process.stderr.write(`routeperf routes delete: no route ${where} in ${databaseOf(routeperf)}.\n`);
        return EXIT_FAILURE;
      }
      const requests = await admin.deleteRoute(identity);
      process.stdout.write(`${databaseOf(routeperf)}: deleted ${where} (${plural(requests, 'request')}).\n`);
      return undefined;
    });
  },
});

export const routesClearCommand = defineCommand({
  name: 'routes clear',
  summary: 'Delete everything recorded in one environment',
  details:
    'Every route of the environment, its buckets, access records and reviews, and its totals. It asks for --yes.',
  options: {
    environment: ENVIRONMENT_OPTION,
    yes: { type: 'boolean', description: 'Delete without asking (required)' },
  },
  examples: ['routeperf routes clear --environment staging --yes'],
  async run(values) {
    const given = nonEmpty('environment', values.environment);
    return withRouteperf(cliLayer(values), async (routeperf) => {
      const environment = given ?? routeperf.config.environment;
      if (!values.yes)
        throw usageError(`--yes: required to delete everything recorded in environment "${environment}"`);
      const requests = await (await internalsOf(routeperf).store.admin()).clearEnvironment(environment);
      process.stdout.write(
        `${databaseOf(routeperf)}: cleared environment "${environment}" (${plural(requests, 'request')}).\n`,
      );
      return undefined;
    });
  },
});
