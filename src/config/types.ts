import type { Logger } from '../logger.js';
import type { RequestMetrics } from '../record/metrics.js';
import type { AlertRule, ChannelConfig, ResolvedAlertRule } from './alert-types.js';
import type { RetentionOptions } from './retention.js';
import type { RetryOptions } from './retry.js';
import type { DASHBOARD_LOCALES } from './schema.js';

export type { Logger };

/** What `afterRecord` receives once a request's metrics are stored (or could not be). */
export interface RecordResult {
  metrics: RequestMetrics;
  stored: boolean;
  error?: unknown;
}

export interface AccessRecordsOptions {
  /** Keep one row per request (path, referer, user) besides the aggregates. Default false. */
  enabled?: boolean;
  /** Delete access records older than this many days; null keeps them. Default null. */
  retentionDays?: number | null;
  /** Record the user id returned by `getUser(req)`. Default false. */
  trackUser?: boolean;
}

/** A named transport with settings of its own. */
export interface NamedTransport {
  dsn: string;
  retry?: Partial<RetryOptions>;
}

/**
 * A request to the dashboard, as `dashboard.authorize` gets it, whatever framework serves it: the method,
 * the path with its query string, and the headers with lower-case names.
 */
export interface DashboardRequest {
  method: string;
  /** Path and query string, as the client sent them: `/performance/routes?sort=p95`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body of a POST (a form), when there is one. */
  body?: string;
  /** True when the client reached the app over HTTPS (TLS, or `X-Forwarded-Proto: https`). */
  secure?: boolean;
}

/** The languages of the dashboard's texts. */
export type DashboardLocale = (typeof DASHBOARD_LOCALES)[number];

/**
 * The web dashboard, mounted by every adapter at `path` when this key is set. Access is denied until one
 * of `authorize`, `basicAuth`, `allowUnauthenticated` or a one-time login link lets a request in.
 */
export interface DashboardOptions {
  /** Where the dashboard is mounted. Default `/performance`. */
  path?: string;
  /** Decides whether a request may see the dashboard; a throw or a rejection denies it. */
  authorize?: (request: DashboardRequest) => boolean | Promise<boolean>;
  /** One user and password for HTTP Basic authentication. */
  basicAuth?: { user: string; password: string };
  /** Let anyone in: refused unless `environment` is `development`. Default false. */
  allowUnauthenticated?: boolean;
  /** Language of the texts; default: the browser's (`Accept-Language`), else English. */
  locale?: DashboardLocale;
  /** Reload the pages every this many seconds (5 to 3600), or false. Default false. */
  autoRefresh?: number | false;
  /** Which actions the dashboard offers. Default: `review` on, the ones that delete data off. */
  actions?: DashboardActionFlags;
  /** Functions called around every action: `before` may veto it, `after` hears how it went. */
  hooks?: DashboardHooks;
  /** Downloads of the routes and access records (CSV, JSON). */
  export?: { /** The most rows one download holds. Default 5000. */ maxRows?: number };
}

/** The dashboard's actions, each on (`true`) or off. */
export interface DashboardActionFlags {
  /** Mark a route reviewed (queries improved, time improved, reviewer), or reset its review. Default true. */
  review?: boolean;
  /** Delete everything recorded of one route. Default false. */
  deleteRoute?: boolean;
  /** Delete everything recorded in one environment. Default false. */
  clearEnvironment?: boolean;
  /** Delete the access records older than a number of days. Default false. */
  purgeRecords?: boolean;
  /** Delete the access records that match the records page's filters. Default false. */
  deleteRecords?: boolean;
}

export type DashboardAction = keyof DashboardActionFlags;

/** What an action is about to change, as the hooks get it. */
export interface DashboardActionDetails {
  environment: string;
  /** The route of `review` and `deleteRoute`. */
  method?: string;
  route?: string;
  /** What `review` sets; null when it resets the review. */
  review?: { reviewer: string | null; queriesImproved: boolean | null; timeImproved: boolean | null } | null;
  /** `purgeRecords`: records older than this go. */
  olderThan?: Date;
  /** `deleteRecords`: the filters of the records that go (the records page's query parameters). */
  filters?: Record<string, string | number>;
  /** The user of HTTP Basic authentication, when the request carried one. */
  user?: string;
  /** The request that asked for the action. */
  request: DashboardRequest;
}

/**
 * How an action went: for `review`, 1 when the route was found (0 otherwise); for `deleteRoute` and
 * `clearEnvironment`, the requests their data held; for `purgeRecords` and `deleteRecords`, the access
 * records deleted.
 */
export interface DashboardActionResult {
  changed: number;
}

export interface DashboardHooks {
  /** Called before an action; only `true` lets it happen (false, a throw or a rejection vetoes it: 403). */
  before?: (action: DashboardAction, details: DashboardActionDetails) => boolean | Promise<boolean>;
  /** Called after an action was done; a throw is logged, the action stays done. */
  after?: (
    action: DashboardAction,
    details: DashboardActionDetails,
    result: DashboardActionResult,
  ) => void | Promise<void>;
}

/** Two levels of one metric: past `warning` a cell is coloured as a warning, past `critical` as critical. */
export interface ThresholdLevels {
  warning?: number;
  critical?: number;
}

/** Where the dashboard colours a metric as a warning or as critical. */
export interface ThresholdOptions {
  /** Milliseconds. Default { warning: 500, critical: 1000 }. */
  requestTime?: ThresholdLevels;
  /** Queries per request. Default { warning: 20, critical: 50 }. */
  queryCount?: ThresholdLevels;
  /** Bytes of resident memory. Default { warning: 20 MiB, critical: 50 MiB }. */
  memory?: ThresholdLevels;
}

/** Thresholds with every level filled in. */
export type ResolvedThresholds = { [K in keyof ThresholdOptions]-?: Required<ThresholdLevels> };

/** The dashboard's options with their defaults filled in. */
export interface ResolvedDashboardOptions extends Omit<DashboardOptions, 'path' | 'autoRefresh'> {
  path: string;
  autoRefresh: number | false;
}

/** Everything a user can set. Every key is optional; `defineConfig` gives the types. */
export interface RouteperfSettings {
  /** Master switch. Default true. */
  enabled?: boolean;
  /** The current environment. Default `ROUTEPERF_ENV` ?? `NODE_ENV` ?? `development`. */
  environment?: string;
  /** Environments in which requests are recorded. Default ['production', 'development', 'test']. */
  environments?: string[];
  /** `sqlite:<path>`, `sqlite::memory:`, `postgres://…` or `mysql://…`. Default `ROUTEPERF_DATABASE_URL` ?? `sqlite:./var/routeperf.sqlite`. */
  database?: string;
  /** Prefix of every table routeperf creates. Default `routeperf_`. */
  tablePrefix?: string;
  /** Create or upgrade the tables on first use. Default true. */
  autoSetup?: boolean;
  /** Record request time; when false only counts, status and memory are kept. Default true. */
  trackRequestTime?: boolean;
  /**
   * Count each request's database queries (`trackQuery`, `recordQuery`, query trackers). They follow the
   * request through an AsyncLocalStorage, which on Node 20 costs every promise of the process a little
   * (docs/recording.md gives the figures). When false, queries are recorded as 0 and that cost is gone.
   * Default true.
   */
  trackQueries?: boolean;
  /**
   * A request that runs one SQL shape (a statement with its values stripped) more than this many times is
   * counted as an N+1 of its route. Needs a query tracker that records shapes. Default 5.
   */
  nPlusOneThreshold?: number;
  /**
   * Add a `Server-Timing` header (app time, and query time and count with `trackQueries`) to every recorded
   * response, for the browser's developer tools. Default true when `environment` is `development`, else false.
   */
  serverTiming?: boolean;
  /** With `serverTiming`, also send `Timing-Allow-Origin` with this value (`*` or origins). Default none. */
  timingAllowOrigin?: string;
  /** Exact names or globs (`*`, `?`) matched against "METHOD /template" and "/template". */
  ignoreRoutes?: string[];
  /** Share of requests recorded, 0..1, decided from the request id. Default 1. */
  samplingRate?: number;
  /** Distinct routes per environment before new ones go to `(overflow)`. Default 1000. */
  maxRoutes?: number;
  /** Longest a response waits for a synchronous write, in ms; the write goes on after it. Default 2000. */
  syncTimeout?: number;
  accessRecords?: AccessRecordsOptions;
  /**
   * How long rolled-up buckets are kept at each resolution: minutes (default `'48h'`), hours (default
   * `'90d'`) and days (default `null`, for ever). Reads of older times use the coarser buckets.
   */
  retention?: RetentionOptions;
  /**
   * Asynchronous recording: the response never waits; its metrics become a message on `transport` and a
   * worker stores them. Default false.
   */
  async?: boolean;
  /** DSN of the transport in async mode. Default `ROUTEPERF_TRANSPORT_DSN` ?? `sync://`. */
  transport?: string;
  /**
   * Named transports, for `routing` and `routeperf consume <name>`: a DSN, or `{ dsn, retry }` for a
   * transport with its own retry strategy (merged over `retry`).
   */
  transports?: Record<string, string | NamedTransport>;
  /** Message type to transport name: `{ 'routeperf.record': 'metrics' }`. Wins over `transport`. */
  routing?: Record<string, string>;
  /** Where messages that exhausted their retries go. Default `database://default` (the store's database). */
  failureTransport?: string;
  /** Retry strategy of the worker. Default { maxRetries: 3, delay: 1000, multiplier: 2, maxDelay: 0, jitter: 0.1 }. */
  retry?: Partial<RetryOptions>;
  /** When the producer's buffer is full (broker down): 'store' writes directly, 'drop' counts and drops. Default 'store'. */
  overflow?: 'store' | 'drop';
  /** Messages the producer holds while the broker is unreachable. Default 10000. */
  bufferSize?: number;
  /** How long (ms) a stored message id is remembered against redelivery. Default 600000 (10 minutes). */
  dedupWindow?: number;
  /**
   * Header of the client's request id, kept as the correlation id of access records when it is a sane
   * token; never the message id, which routeperf makes. Default `x-request-id`.
   */
  requestIdHeader?: string;
  /** Any object with info/warn/error (pino-compatible). Default: warnings and errors to stderr. */
  logger?: Logger;
  /** Returns the user id of a request, used when `accessRecords.trackUser` is on. */
  getUser?: (req: any) => string | number | null | undefined;
  /** Runs before a request is stored: change `metrics` in place, or return false to skip it. */
  beforeRecord?: (metrics: RequestMetrics) => unknown;
  /** Runs once a request's metrics are stored or failed to store. */
  afterRecord?: (result: RecordResult) => void | Promise<void>;
  /** The web dashboard, mounted by the adapters at `dashboard.path` when set. Default: not mounted. */
  dashboard?: DashboardOptions;
  /**
   * Where the dashboard colours request time, query count and memory; alert rules may name these levels
   * (`above: 'critical'`).
   */
  thresholds?: ThresholdOptions;
  /** Alert rules, judged on the stored metrics by the workers and by `routeperf alerts check`. Default none. */
  alerts?: AlertRule[];
  /** Channels that rules name in their `channels`. */
  alertChannels?: Record<string, ChannelConfig>;
  /** How often a worker judges the rules (`'30s'`, `'1m'`). Default `'1m'`. */
  alertInterval?: string;
}

export interface RouteperfOptions extends RouteperfSettings {
  /** Path of a config file to load instead of `routeperf.config.{js,mjs,cjs,ts,mts,cts,json}` in the working directory. */
  configFile?: string;
  /** Settings applied last, for the current environment only: `{ production: { … } }`. */
  overrides?: Record<string, RouteperfSettings>;
}

/** The validated configuration with every default filled in. */
export interface ResolvedConfig
  extends Required<
    Omit<
      RouteperfSettings,
      | 'accessRecords'
      | 'retention'
      | 'retry'
      | 'getUser'
      | 'beforeRecord'
      | 'afterRecord'
      | 'timingAllowOrigin'
      | 'dashboard'
      | 'thresholds'
      | 'alerts'
      | 'alertChannels'
      | 'alertInterval'
    >
  > {
  /** The rules with their defaults, threshold levels and named channels resolved. */
  alerts: ResolvedAlertRule[];
  /** Milliseconds between two evaluations by a worker. */
  alertInterval: number;
  timingAllowOrigin?: string;
  /** Undefined when the dashboard is not mounted. */
  dashboard?: ResolvedDashboardOptions;
  thresholds: ResolvedThresholds;
  accessRecords: Required<AccessRecordsOptions>;
  retention: Required<RetentionOptions>;
  retry: RetryOptions;
  getUser?: RouteperfSettings['getUser'];
  beforeRecord?: RouteperfSettings['beforeRecord'];
  afterRecord?: RouteperfSettings['afterRecord'];
  /** Where the file settings came from, if any. */
  configFile?: string;
}
