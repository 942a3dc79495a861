import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RouteperfError } from '../errors.js';
import type { Logger } from '../logger.js';
import { DEFAULT_N_PLUS_ONE_THRESHOLD } from '../record/metrics.js';
import { ALERT_DEFAULTS, alertDurationMs, resolveAlertRules } from './alert-schema.js';
import { unknownOverrideWarnings, warnOnce } from './environments.js';
import { formatIssues } from './format-error.js';
import { importConfigFile } from './import-file.js';
import { DEFAULT_RETENTION, retentionProblems } from './retention.js';
import { DEFAULT_RETRY } from './retry.js';
import { DEFAULT_DASHBOARD_PATH, DEFAULT_ENVIRONMENTS, optionsSchema } from './schema.js';
import type {
  DashboardOptions,
  ResolvedConfig,
  ResolvedDashboardOptions,
  ResolvedThresholds,
  RouteperfOptions,
  RouteperfSettings,
  ThresholdOptions,
} from './types.js';

/** Looked for in the working directory, in this order, when no config file is named. */
const CONFIG_FILE_NAMES = ['js', 'mjs', 'cjs', 'ts', 'mts', 'cts', 'json'].map(
  (ext) => `routeperf.config.${ext}`,
);

/** Types and editor completion for a config file or inline options; validation happens at start-up. */
export function defineConfig(options: RouteperfOptions): RouteperfOptions {
  return options;
}

export interface ConfigSources {
  /** Options passed to an adapter or to `createRouteperf()`. */
  explicit?: RouteperfOptions;
  /** Options from CLI flags; they win over the others. */
  cli?: RouteperfOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Builds the configuration: defaults, then the config file, then explicit options, then CLI flags,
 * then `overrides[environment]`. Each source is validated on its own so that errors say where they are.
 */
export async function resolveConfig(sources: ConfigSources = {}): Promise<ResolvedConfig> {
  const { env = process.env, cwd = process.cwd() } = sources;
  const explicit = validate(sources.explicit ?? {}, 'options');
  const cli = validate(sources.cli ?? {}, 'command line');
  const file = await loadConfigFile(cli.configFile ?? explicit.configFile ?? env.ROUTEPERF_CONFIG, cwd);
  const layers = [file?.options ?? {}, explicit, cli];

  let merged = mergeSettings(defaults(env), ...layers);
  const overrides = layers.map((layer) => layer.overrides?.[merged.environment] ?? {});
  merged = mergeSettings(merged, ...overrides);
  const overrideKeys = layers.flatMap((layer) => Object.keys(layer.overrides ?? {}));
  for (const warning of unknownOverrideWarnings(overrideKeys, merged)) warnOnce(merged.logger, warning);
  // Server-Timing tells every client how long the app and its queries took: on by default only where the
  // developer is the client.
  const serverTiming = merged.serverTiming ?? merged.environment === 'development';
  const { alertChannels: _channels, ...settings } = merged;
  return {
    ...settings,
    ...checkMerged(merged),
    serverTiming,
    ...(file ? { configFile: file.path } : {}),
  };
}

const MIB = 1024 * 1024;

/** The dashboard's colours when `thresholds` leaves a level out. */
export const DEFAULT_THRESHOLDS: ResolvedThresholds = {
  requestTime: { warning: 500, critical: 1000 },
  queryCount: { warning: 20, critical: 50 },
  memory: { warning: 20 * MIB, critical: 50 * MIB },
};

/**
 * Checks what only the merged settings can tell: a key of one source may be fine with another source's
 * values and wrong with the ones that won. Returns the alert rules resolved against the merged thresholds
 * and channels.
 */
function checkMerged(merged: Unresolved): Pick<ResolvedConfig, 'alerts' | 'alertInterval'> {
  const problems = retentionProblems(merged.retention);
  const alerts = resolveAlertRules(merged.alerts, merged.alertChannels, merged.thresholds, problems);
  if (merged.dashboard?.allowUnauthenticated && merged.environment !== 'development') {
    problems.push(
      `dashboard.allowUnauthenticated: expected false outside the development environment (environment is ${JSON.stringify(merged.environment)}; use authorize, basicAuth or a login link from createLoginToken()), got true`,
    );
  }
  for (const [metric, { warning, critical }] of Object.entries(merged.thresholds)) {
    if (warning >= critical)
      problems.push(
        `thresholds.${metric}.warning: expected a number below thresholds.${metric}.critical (${critical}), got ${warning}`,
      );
  }
  if (problems.length === 0) return { alerts, alertInterval: alertDurationMs(merged.alertInterval) };
  throw new RouteperfError(
    'ROUTEPERF_CONFIG_INVALID',
    `Invalid routeperf configuration (environment ${JSON.stringify(merged.environment)}):\n  ${problems.join('\n  ')}`,
  );
}

/** The configuration before the defaults that depend on the resolved environment. */
type Unresolved = Omit<ResolvedConfig, 'serverTiming' | 'alerts' | 'alertInterval'> &
  Pick<RouteperfSettings, 'serverTiming'> &
  Required<Pick<RouteperfSettings, 'alerts' | 'alertChannels' | 'alertInterval'>>;

function defaults(env: NodeJS.ProcessEnv): Unresolved {
  return {
    enabled: true,
    environment: 'development',
    environments: DEFAULT_ENVIRONMENTS,
    database: 'sqlite:./var/routeperf.sqlite',
    tablePrefix: 'routeperf_',
    autoSetup: true,
    trackRequestTime: true,
    trackQueries: true,
    nPlusOneThreshold: DEFAULT_N_PLUS_ONE_THRESHOLD,
    ignoreRoutes: [],
    samplingRate: 1,
    maxRoutes: 1000,
    syncTimeout: 2000,
    accessRecords: { enabled: false, retentionDays: null, trackUser: false },
    retention: DEFAULT_RETENTION,
    requestIdHeader: 'x-request-id',
    async: false,
    transport: 'sync://',
    transports: {},
    routing: {},
    failureTransport: 'database://default',
    retry: DEFAULT_RETRY,
    overflow: 'store',
    bufferSize: 10_000,
    dedupWindow: 600_000,
    thresholds: DEFAULT_THRESHOLDS,
    alerts: [],
    alertChannels: {},
    alertInterval: ALERT_DEFAULTS.interval,
    logger: stderrLogger,
    ...fromEnvironmentVariables(env),
  };
}

/** Options that environment variables may set, each from the first variable of its list that is set. */
const ENVIRONMENT_VARIABLES = {
  environment: ['ROUTEPERF_ENV', 'NODE_ENV'],
  database: ['ROUTEPERF_DATABASE_URL'],
  transport: ['ROUTEPERF_TRANSPORT_DSN'],
} as const;

/** The options set by environment variables, validated like the same options anywhere else. */
function fromEnvironmentVariables(
  env: NodeJS.ProcessEnv,
): Partial<Record<keyof typeof ENVIRONMENT_VARIABLES, string>> {
  const settings: Record<string, string> = {};
  for (const [key, variables] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const variable = variables.find((name) => env[name]);
    if (variable === undefined) continue;
    settings[key] = env[variable]!;
    validate({ [key]: env[variable] }, `environment variable ${variable}`);
  }
  return settings;
}

function mergeSettings(base: Unresolved, ...layers: RouteperfSettings[]): Unresolved {
  let merged = base;
  for (const layer of layers) {
    const { accessRecords, retention, retry, dashboard, thresholds, alertChannels, ...rest } =
      stripMeta(layer);
    merged = {
      ...merged,
      ...rest,
      accessRecords: { ...merged.accessRecords, ...accessRecords },
      retention: { ...merged.retention, ...retention },
      retry: { ...merged.retry, ...retry },
      thresholds: mergeThresholds(merged.thresholds, thresholds),
      // A later source's channel replaces the one of the same name; the rules are replaced as a list.
      alertChannels: { ...merged.alertChannels, ...alertChannels },
    };
    if (dashboard) merged.dashboard = mergeDashboard(merged.dashboard, dashboard);
  }
  return merged;
}

/** A layer's dashboard over the one so far; its actions, hooks and export options key by key. */
function mergeDashboard(
  base: ResolvedDashboardOptions | undefined,
  layer: DashboardOptions,
): ResolvedDashboardOptions {
  const nested = (['actions', 'hooks', 'export'] as const).filter((key) => layer[key] || base?.[key]);
  return {
    path: DEFAULT_DASHBOARD_PATH,
    autoRefresh: false,
    ...base,
    ...stripUndefined(layer),
    ...Object.fromEntries(
      nested.map((key) => [key, { ...base?.[key], ...stripUndefined<object>(layer[key] ?? {}) }]),
    ),
  };
}

function mergeThresholds(base: ResolvedThresholds, layer: ThresholdOptions = {}): ResolvedThresholds {
  return {
    requestTime: { ...base.requestTime, ...stripUndefined(layer.requestTime ?? {}) },
    queryCount: { ...base.queryCount, ...stripUndefined(layer.queryCount ?? {}) },
    memory: { ...base.memory, ...stripUndefined(layer.memory ?? {}) },
  };
}

function stripUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function stripMeta(layer: RouteperfOptions): RouteperfSettings {
  const { configFile: _file, overrides: _overrides, ...settings } = layer;
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** Validates one source and throws `ROUTEPERF_CONFIG_INVALID` naming every bad key. */
export function validate(options: unknown, source: string): RouteperfOptions {
  const result = optionsSchema.safeParse(options);
  if (result.success) return options as RouteperfOptions;
  const lines = formatIssues(result.error.issues, options, optionsSchema);
  throw new RouteperfError(
    'ROUTEPERF_CONFIG_INVALID',
    `Invalid routeperf configuration (${source}):\n  ${lines.join('\n  ')}`,
  );
}

async function loadConfigFile(requested: string | undefined, cwd: string) {
  const path = requested
    ? resolve(cwd, requested)
    : CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate));
  if (!path) return undefined;
  if (!existsSync(path)) {
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_FILE',
      `Config file not found: ${path}. Check --config or configFile.`,
    );
  }
  let options: unknown;
  try {
    options = await importConfigFile(path);
  } catch (error) {
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_FILE',
      `Could not read config file ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { path, options: validate(options ?? {}, path) };
}

const stderrLogger: Logger = {
  info() {},
  warn(message) {
    process.stderr.write(`routeperf: ${message}\n`);
  },
  error(message) {
    process.stderr.write(`routeperf: ${message}\n`);
  },
};
