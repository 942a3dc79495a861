export { defineConfig } from './config/load.js';
export type {
  AccessRecordsOptions,
  DashboardOptions,
  DashboardRequest,
  Logger,
  NamedTransport,
  RecordResult,
  ResolvedConfig,
  RouteperfOptions,
  RouteperfSettings,
  ThresholdOptions,
} from './config/types.js';
export { recordQuery, trackQuery } from './core/scope.js';
export { type Dashboard, type DashboardResponse, dashboardOf } from './dashboard/index.js';
export { type ErrorCause, RouteperfError, type RouteperfErrorCode } from './errors.js';
export { OVERFLOW_ROUTE, type RequestMetrics, UNMATCHED_ROUTE } from './record/metrics.js';
export {
  createRouteperf,
  type RecordingMode,
  type Routeperf,
  type RouteperfStats,
} from './routeperf.js';
export type {
  LatencySummary,
  RouteSortKey,
  RouteSummary,
  RoutesQuery,
  TimeInput,
  TimeseriesPoint,
  TimeseriesQuery,
} from './store/reads.js';
