import type { Routeperf } from '../routeperf.js';
import type { MetricFamily, Sample } from './exposition.js';

type RouteSummary = Awaited<ReturnType<Routeperf['routes']>>[number];

/** The quantiles of the duration summary, and the stored percentile each one is. */
const QUANTILES = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.95', 'p95'],
  ['0.99', 'p99'],
] as const;

const identity = (route: RouteSummary) => `${route.environment} ${route.method} ${route.route}`;
const labelsOf = ({ environment, method, route }: RouteSummary) => ({ environment, method, route });

const serverErrors = (route: RouteSummary) =>
  Object.entries(route.statusCodes).reduce((sum, [code, count]) => (code[0] === '5' ? sum + count : sum), 0);

/**
 * The metric families of the routes. Counters, and the duration's sum and count, cover all that the store
 * keeps (`total`), so that they only grow between scrapes, as Prometheus' rate() expects; the quantiles
 * are those of the requests of the last window (`recent`), NaN for a route without one, as a Prometheus
 * client's summary reports them. Times in seconds, Prometheus' base unit.
 */
export function routeFamilies(
  total: readonly RouteSummary[],
  recent: readonly RouteSummary[],
  window: string,
): MetricFamily[] {
  const recentOf = new Map(recent.map((route) => [identity(route), route]));
  const perRoute = (name: string, value: (route: RouteSummary) => number): Sample[] =>
    total.map((route) => ({ name, labels: labelsOf(route), value: value(route) }));
  const duration = 'routeperf_request_duration_seconds';
  return [
    {
      name: 'routeperf_requests_total',
      help: 'Requests recorded, by route and HTTP status code.',
      type: 'counter',
      samples: total.flatMap((route) =>
        Object.entries(route.statusCodes).map(([status, count]) => ({
          name: 'routeperf_requests_total',
          labels: { ...labelsOf(route), status },
          value: count,
        })),
      ),
    },
    {
      name: 'routeperf_request_errors_total',
      help: 'Requests answered with a 5xx status.',
      type: 'counter',
      samples: perRoute('routeperf_request_errors_total', serverErrors),
    },
    {
      name: duration,
      help: `Request time. Quantiles of the requests of the last ${window}; sum and count of all.`,
      type: 'summary',
      samples: total.flatMap((route) => {
        const last = recentOf.get(identity(route));
        return [
          ...QUANTILES.map(([quantile, percentile]) => ({
            name: duration,
            labels: { ...labelsOf(route), quantile },
            value: last ? last.requestTime[percentile] / 1000 : Number.NaN,
          })),
          {
            name: `${duration}_sum`,
            labels: labelsOf(route),
            value: (route.requestTime.avg * route.count) / 1000,
          },
          { name: `${duration}_count`, labels: labelsOf(route), value: route.count },
        ];
      }),
    },
    {
      name: 'routeperf_queries_total',
      help: "Database queries run by the route's requests.",
      type: 'counter',
      samples: perRoute('routeperf_queries_total', (route) => Math.round(route.queries.avg * route.count)),
    },
    {
      name: 'routeperf_query_duration_seconds_total',
      help: "Time the route's requests spent in database queries.",
      type: 'counter',
      samples: perRoute(
        'routeperf_query_duration_seconds_total',
        (route) => (route.queries.timeAvg * route.count) / 1000,
      ),
    },
  ];
}
