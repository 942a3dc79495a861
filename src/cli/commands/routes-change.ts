import { randomUUID } from 'node:crypto';
import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit.js';
import { printable } from '../format.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';
import { usageError } from '../usage-error.js';
import { byteSize, httpMethod, milliseconds, nonEmpty, pointInTime, wholeNumber } from '../values.js';
import { ENVIRONMENT_OPTION, ROUTE_POSITIONALS } from './routes-delete.js';

export const routesSetCommand = defineCommand({
  name: 'routes set',
  summary: 'Record one request of a route by hand: its time, status, queries and memory',
  details: [
    'The request is stored as the recorder stores one, in its minute, and counts in every figure of the',
    'route and of its environment: for a measurement taken elsewhere, or to try the dashboard and alerts.',
  ].join('\n'),
  positionals: ROUTE_POSITIONALS,
  options: {
    'request-time': { type: 'string', value: '<ms>', description: 'How long the request took (required)' },
    status: { type: 'string', value: '<code>', description: 'HTTP status (default: 200)' },
    queries: { type: 'string', value: '<n>', description: 'Database queries it ran (default: 0)' },
    'query-time': { type: 'string', value: '<ms>', description: 'Time in those queries (default: 0)' },
    memory: { type: 'string', value: '<size>', description: 'Memory in use, e.g. 48M (default: 0)' },
    at: { type: 'string', value: '<age|date>', description: 'When: 5m (ago) or an ISO date (default: now)' },
    environment: ENVIRONMENT_OPTION,
  },
  examples: [
    'routeperf routes set GET /users/:id --request-time 120',
    'routeperf routes set POST /orders --request-time 950 --status 500 --queries 12 --at 10m',
  ],
  async run(values, [givenMethod, givenRoute]) {
    const method = httpMethod('<method>', givenMethod)!;
    const route = nonEmpty('<route>', givenRoute)!;
    const requestTime = milliseconds('request-time', values['request-time']);
    if (requestTime === undefined) throw usageError('--request-time: required, e.g. --request-time 120');
    const statusCode = wholeNumber('status', values.status, { min: 100, max: 599 }) ?? 200;
    const queryCount = wholeNumber('queries', values.queries, { min: 0 }) ?? 0;
    const queryTime = milliseconds('query-time', values['query-time']) ?? 0;
    const memory = byteSize('memory', values.memory) ?? 0;
    const ts = pointInTime('at', values.at, Date.now())?.at.getTime() ?? Date.now();
    const environment = nonEmpty('environment', values.environment);
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const request = {
        id: randomUUID(),
        ts,
        environment: environment ?? routeperf.config.environment,
        method,
        route,
        statusCode,
        requestTime,
        queryCount,
        queryTime,
        memory,
      };
      await internalsOf(routeperf).store.ingest([request]);
      const where = `${method} ${printable(route)} of environment "${request.environment}"`;
      process.stdout.write(
        `${databaseOf(routeperf)}: recorded a request of ${where}: ${requestTime} ms, status ${statusCode}, at ${new Date(ts).toISOString()}.\n`,
      );
    });
  },
});

export const routesRenameCommand = defineCommand({
  name: 'routes rename',
  summary: 'Move everything recorded of a route to a new template, after renaming it in the app',
  details: [
    'Its buckets, access records and review go to the new route, which must hold no request yet (two',
    'histories are not merged: `routes delete` the new one first). The old route stays, empty: an app that',
    'still serves it goes on recording it under its old name.',
  ].join('\n'),
  positionals: [
    { name: 'method', required: true, description: 'HTTP method of the route, e.g. GET' },
    { name: 'route', required: true, description: 'Its template now, e.g. /users/:id' },
    { name: 'new-route', required: true, description: 'Its new template, e.g. /accounts/:id' },
  ],
  options: {
    method: { type: 'string', value: '<method>', description: 'A new method too (default: the same)' },
    environment: ENVIRONMENT_OPTION,
  },
  examples: ['routeperf routes rename GET /users/:id /accounts/:id'],
  exitCodes:
    'Exit codes: 0 moved, 1 no such route, the new route holds requests or the database failed, 2 wrong arguments or configuration.',
  async run(values, [givenMethod, givenRoute, givenTarget]) {
    const method = httpMethod('<method>', givenMethod)!;
    const route = nonEmpty('<route>', givenRoute)!;
    const target = {
      method: httpMethod('method', values.method) ?? method,
      route: nonEmpty('<new-route>', givenTarget)!,
    };
    const environment = nonEmpty('environment', values.environment);
    return withRouteperf(cliLayer(values), async (routeperf) => {
      const env = environment ?? routeperf.config.environment;
      const from = `${method} ${printable(route)}`;
      const to = `${target.method} ${printable(target.route)}`;
      const admin = await internalsOf(routeperf).store.admin();
      const outcome = await admin.renameRoute({ environment: env, method, route }, target);
      if (!outcome.renamed) {
        const why =
          outcome.reason === 'no-such-route'
            ? `no route ${from} of environment "${env}" in ${databaseOf(routeperf)}`
            : `${to} of environment "${env}" already holds requests; run \`routeperf routes delete ${target.method} ${printable(target.route)} --yes\` first to keep only the history of ${from}`;
        process.stderr.write(`routeperf routes rename: ${why}.\n`);
        return EXIT_FAILURE;
      }
      process.stdout.write(
        `${databaseOf(routeperf)}: moved ${from} to ${to} in environment "${env}" (${plural(outcome.requests, 'request')}).\n`,
      );
      return undefined;
    });
  },
});
