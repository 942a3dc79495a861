/**
 * Downloads of the routes and access records listings (`<path>/export/routes.csv|json`,
 * `<path>/export/records.csv|json`): the rows the page's filters and sort give, from the first, at most
 * `dashboard.export.maxRows` of them, as an attachment. The JSON says how many rows matched in all, so
 * that a cut download is never taken for a whole one.
 */
import { statusCountsText } from '../routeperf/count-text.js';
import type { Routeperf } from '../routeperf.js';
import { type CsvValue, toCsv } from './csv.js';
import { type RouteSummary, routesFilterQuery } from './data.js';
import type { AccessRecord } from './page-data.js';
import { recordsFilterQuery, recordsParams } from './page-params.js';
import { routesParams, type ViewParams } from './params.js';
import { type DashboardResponse, downloadResponse } from './responses.js';

export type ExportFormat = 'csv' | 'json';

/** A column of a CSV download: its heading and its value. */
export type Column<T> = readonly [heading: string, value: (row: T) => CsvValue];

export const ROUTE_COLUMNS: readonly Column<RouteSummary>[] = [
  ['environment', (r) => r.environment],
  ['method', (r) => r.method],
  ['route', (r) => r.route],
  ['requests', (r) => r.count],
  ['error_rate', (r) => r.errorRate],
  ['status_codes', (r) => statusCountsText(r.statusCodes)],
  ['avg_ms', (r) => r.requestTime.avg],
  ['min_ms', (r) => r.requestTime.min],
  ['p50_ms', (r) => r.requestTime.p50],
  ['p90_ms', (r) => r.requestTime.p90],
  ['p95_ms', (r) => r.requestTime.p95],
  ['p99_ms', (r) => r.requestTime.p99],
  ['max_ms', (r) => r.requestTime.max],
  ['queries_avg', (r) => r.queries.avg],
  ['queries_max', (r) => r.queries.max],
  ['query_ms_avg', (r) => r.queries.timeAvg],
  ['query_ms_max', (r) => r.queries.timeMax],
  ['n_plus_one_requests', (r) => r.nPlusOne.requests],
  ['repeated_query', (r) => r.nPlusOne.query],
  ['memory_avg_bytes', (r) => r.memory.avg],
  ['memory_max_bytes', (r) => r.memory.max],
  ['first_seen_at', (r) => r.firstSeenAt],
  ['last_request_at', (r) => r.lastAccessedAt],
  ['reviewed_at', (r) => r.review?.reviewedAt],
  ['reviewer', (r) => r.review?.reviewer],
  ['queries_improved', (r) => r.review?.queriesImproved],
  ['time_improved', (r) => r.review?.timeImproved],
];

export const RECORD_COLUMNS: readonly Column<AccessRecord>[] = [
  ['request_id', (r) => r.requestId],
  ['at', (r) => r.at],
  ['method', (r) => r.method],
  ['route', (r) => r.route],
  ['status', (r) => r.statusCode],
  ['request_ms', (r) => r.requestTime],
  ['queries', (r) => r.queryCount],
  ['query_ms', (r) => r.queryTime],
  ['query_repeat', (r) => r.queryRepeat],
  ['repeated_query', (r) => r.repeatedQuery],
  ['memory_bytes', (r) => r.memory],
  ['path', (r) => r.path],
  ['referer', (r) => r.referer],
  ['user_id', (r) => r.userId],
  ['correlation_id', (r) => r.correlationId],
];

/** `routeperf-<listing>-<environment>-<date>.<format>`, the environment reduced to safe characters. */
function fileName(listing: string, view: ViewParams, format: ExportFormat): string {
  const environment = view.environment.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
  const date = new Date(view.window.until).toISOString().slice(0, 16).replace(':', '');
  return `routeperf-${listing}-${environment}-${date}.${format}`;
}

function download<T>(
  listing: string,
  view: ViewParams,
  format: ExportFormat,
  read: { total: number; rows: T[]; columns: readonly Column<T>[]; key: string },
): DashboardResponse {
  const name = fileName(listing, view, format);
  if (format === 'csv') {
    const body = toCsv(
      read.columns.map(([heading]) => heading),
      read.rows.map((row) => read.columns.map(([, value]) => value(row))),
    );
    return downloadResponse(body, 'text/csv; charset=utf-8', name);
  }
  const body = JSON.stringify({
    environment: view.environment,
    since: new Date(view.window.since).toISOString(),
    until: new Date(view.window.until).toISOString(),
    total: read.total,
    exported: read.rows.length,
    [read.key]: read.rows,
  });
  return downloadResponse(body, 'application/json; charset=utf-8', name);
}

export async function exportRoutes(
  routeperf: Routeperf,
  query: URLSearchParams,
  environments: readonly string[],
  format: ExportFormat,
  maxRows: number,
): Promise<DashboardResponse> {
  const params = routesParams(query, environments);
  const { total, routes } = await routeperf.routesPage({ ...routesFilterQuery(params), limit: maxRows });
  return download('routes', params, format, { total, rows: routes, columns: ROUTE_COLUMNS, key: 'routes' });
}

export async function exportRecords(
  routeperf: Routeperf,
  query: URLSearchParams,
  environments: readonly string[],
  format: ExportFormat,
  maxRows: number,
): Promise<DashboardResponse> {
  const params = recordsParams(query, environments);
  const { total, records } = await routeperf.accessRecords({ ...recordsFilterQuery(params), limit: maxRows });
  return download('records', params, format, {
    total,
    rows: records,
    columns: RECORD_COLUMNS,
    key: 'records',
  });
}
