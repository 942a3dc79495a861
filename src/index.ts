export type {
  AlertCondition,
  AlertMetric,
  AlertNotification,
  AlertRule,
  ChannelConfig as AlertChannelConfig,
} from './config/alert-types.js';
export { defineConfig } from './config/load.js';
export type {
  AccessRecordsOptions,
  DashboardAction,
  DashboardActionDetails,
  DashboardActionFlags,
  DashboardActionResult,
  DashboardHooks,
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
export {
  ACCESS_RECORD_SORT_KEYS,
  type AccessRecord,
  type AccessRecordSortKey,
  type AccessRecordsPage,
  type AccessRecordsQuery,
  type AccessStatistics,
  type LatencyBin,
  type LatencySummary,
  ROUTE_SORT_KEYS,
  type RouteLists,
  type RouteListsQuery,
  type RouteOrder,
  type RouteSortKey,
  type RouteSummary,
  type RoutesPage,
  type RoutesQuery,
  STATUS_CLASSES,
  type StatusClass,
  type TimeInput,
  type TimeseriesPoint,
  type TimeseriesQuery,
  type WindowQuery,
  type WindowSummary,
} from './store/reads.js';
