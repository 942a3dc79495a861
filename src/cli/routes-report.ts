import { formatCount, plural, statusCountsText } from '../routeperf/count-text.js';
import type { RouteSummary } from '../store/reads.js';
import {
  type Column,
  csvLine,
  formatAverage,
  formatMegabytes,
  formatMs,
  formatPercent,
  printable,
  renderTable,
  truncate,
} from './format.js';

export const REPORT_FORMATS = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What a table report says about where its rows come from. */
export interface ReportHeading {
  environment: string;
  /** `all time`, `since 24h ago`, … */
  window: string;
  /** The database, password redacted. */
  database: string;
  /** The configured `nPlusOneThreshold`, to say what the N+1 column counts. */
  nPlusOneThreshold: number;
}

const TABLE_COLUMNS: Column<RouteSummary>[] = [
  { header: 'METHOD', align: 'left', cell: (r) => r.method },
  { header: 'ROUTE', align: 'left', cell: (r) => r.route, maxWidth: 60 },
  { header: 'COUNT', align: 'right', cell: (r) => formatCount(r.count) },
  { header: 'ERRORS', align: 'right', cell: (r) => formatPercent(r.errorRate) },
  { header: 'AVG ms', align: 'right', cell: (r) => formatMs(r.requestTime.avg) },
  { header: 'P50 ms', align: 'right', cell: (r) => formatMs(r.requestTime.p50) },
  { header: 'P95 ms', align: 'right', cell: (r) => formatMs(r.requestTime.p95) },
  { header: 'P99 ms', align: 'right', cell: (r) => formatMs(r.requestTime.p99) },
  { header: 'MAX ms', align: 'right', cell: (r) => formatMs(r.requestTime.max) },
  { header: 'QUERIES', align: 'right', cell: (r) => formatAverage(r.queries.avg) },
  { header: 'QUERY ms', align: 'right', cell: (r) => formatMs(r.queries.timeAvg) },
  {
    header: 'N+1',
    align: 'right',
    cell: (r) => (r.nPlusOne.requests ? formatCount(r.nPlusOne.requests) : '-'),
  },
  { header: 'MEM MB', align: 'right', cell: (r) => formatMegabytes(r.memory.avg) },
];

/** For people: a heading, aligned columns, a total; or why there is nothing. */
export function routesTable(routes: readonly RouteSummary[], heading: ReportHeading): string {
  const where = `environment "${heading.environment}", ${heading.window}, in ${heading.database}`;
  if (routes.length === 0) {
    return [
      `No requests recorded (${where}).`,
      'Record traffic with an adapter (routeperf/fastify, /express, /http), try another --environment or --since,',
      'or run "routeperf demo" to see a report.',
    ].join('\n');
  }
  const requests = routes.reduce((sum, route) => sum + route.count, 0);
  return [
    `Routes of environment "${heading.environment}", ${heading.window}`,
    `Database: ${heading.database}`,
    '',
    renderTable(TABLE_COLUMNS, routes),
    '',
    `${plural(routes.length, 'route')}, ${plural(requests, 'request')}. ERRORS: share of 5xx responses.`,
    'QUERIES and QUERY ms: average per request. MEM MB: resident memory of the process when requests ended, average.',
    `N+1: requests that ran one SQL statement more than ${heading.nPlusOneThreshold} times (nPlusOneThreshold).`,
    ...nPlusOneSuspects(routes),
  ].join('\n');
}

/** The flagged routes, each with the statement it repeated, so the N+1 is found without reading code. */
function nPlusOneSuspects(routes: readonly RouteSummary[]): string[] {
  const flagged = routes.filter((route) => route.nPlusOne.requests > 0);
  if (flagged.length === 0) return [];
  return [
    '',
    'N+1 suspects (the statement a request repeated most, and how many times at most):',
    ...flagged.map(
      ({ method, route, nPlusOne }) =>
        `  ${method} ${truncate(route, 60)}: ${nPlusOne.maxRepeat}× ${truncate(printable(nPlusOne.query ?? '?'), 100)}`,
    ),
  ];
}

/** For scripts: exactly the read API's rows, dates as ISO strings. */
export function routesJson(routes: readonly RouteSummary[]): string {
  return JSON.stringify(routes, null, 2);
}

const CSV_COLUMNS: [header: string, value: (r: RouteSummary) => string | number][] = [
  ['environment', (r) => r.environment],
  ['method', (r) => r.method],
  ['route', (r) => r.route],
  ['count', (r) => r.count],
  ['error_rate', (r) => r.errorRate],
  ['status_codes', (r) => statusCountsText(r.statusCodes)],
  ['min_ms', (r) => r.requestTime.min],
  ['avg_ms', (r) => r.requestTime.avg],
  ['p50_ms', (r) => r.requestTime.p50],
  ['p90_ms', (r) => r.requestTime.p90],
  ['p95_ms', (r) => r.requestTime.p95],
  ['p99_ms', (r) => r.requestTime.p99],
  ['max_ms', (r) => r.requestTime.max],
  ['queries_avg', (r) => r.queries.avg],
  ['queries_max', (r) => r.queries.max],
  ['query_time_avg_ms', (r) => r.queries.timeAvg],
  ['query_time_max_ms', (r) => r.queries.timeMax],
  ['n_plus_one_requests', (r) => r.nPlusOne.requests],
  ['query_repeat_max', (r) => r.nPlusOne.maxRepeat],
  ['repeated_query', (r) => r.nPlusOne.query ?? ''],
  ['memory_avg_bytes', (r) => r.memory.avg],
  ['memory_max_bytes', (r) => r.memory.max],
  ['first_seen_at', (r) => r.firstSeenAt.toISOString()],
  ['last_accessed_at', (r) => r.lastAccessedAt.toISOString()],
];

/** For spreadsheets: one flat line per route, full precision, times in ms. */
export function routesCsv(routes: readonly RouteSummary[]): string {
  return [
    csvLine(CSV_COLUMNS.map(([header]) => header)),
    ...routes.map((route) => csvLine(CSV_COLUMNS.map(([, value]) => value(route)))),
  ].join('\n');
}

export function renderRoutes(
  routes: readonly RouteSummary[],
  format: ReportFormat,
  heading: ReportHeading,
): string {
  if (format === 'json') return routesJson(routes);
  if (format === 'csv') return routesCsv(routes);
  return routesTable(routes, heading);
}
