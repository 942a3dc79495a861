import { z } from 'zod';
import type { Logger } from '../logger.js';
import { alertSettingsShape } from './alert-schema.js';
import { DURATION, DURATION_EXPECTED } from './retention.js';
import { urlProblem } from './url.js';

/** Where recording is on unless the user says otherwise. */
export const DEFAULT_ENVIRONMENTS = ['production', 'development', 'test'];

const logger = z.custom<Logger>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['info', 'warn', 'error'].every(
      (level) => typeof (value as Record<string, unknown>)[level] === 'function',
    ),
  { error: 'expected an object with info, warn and error functions (pino-compatible)' },
);

const fn = (what: string) =>
  z.custom<(...args: any[]) => any>((value) => typeof value === 'function', {
    error: `expected a function ${what}`,
  });

const nonEmptyString = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

/** A URL the drivers and clients can parse: checked at start rather than failing like an outage later. */
const url = (what: string) =>
  nonEmptyString(what).superRefine((value, context) => {
    const problem = urlProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: `expected a valid URL (${problem})` });
  });

/** Characters of the store's `environment` column (varchar(64), counted in characters by every database). */
export const ENVIRONMENT_NAME_LENGTH = 64;

/**
 * A name every database stores as given: PostgreSQL refuses NUL, and all three turn a lone surrogate into
 * U+FFFD, so that what was written could never be read back by its name. Other control characters are
 * refused too: they would garble every table and log line that shows the name.
 */
export function isStorableName(name: string): boolean {
  return [...name].length <= ENVIRONMENT_NAME_LENGTH && !/[\p{Cc}\p{Cs}]/u.test(name);
}

const ENVIRONMENT_NAME = `an environment name of 1 to ${ENVIRONMENT_NAME_LENGTH} characters, without control characters or lone surrogates`;
const environmentName = nonEmptyString(ENVIRONMENT_NAME).refine(isStorableName, {
  error: `expected ${ENVIRONMENT_NAME}`,
});

/**
 * The longest `tablePrefix`: the longest name routeperf gives a table or an index is 25 characters
 * (`access_records_route_time`), PostgreSQL cuts identifiers at 63 and MySQL refuses more than 64; the rest
 * leaves room for the names of future migrations.
 */
export const TABLE_PREFIX_LENGTH = 32;
export const TABLE_PREFIX = new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${TABLE_PREFIX_LENGTH - 1}}$`);
export const TABLE_PREFIX_EXPECTED = `letters, digits and underscores, starting with a letter (${TABLE_PREFIX_LENGTH} at most, so that table and index names fit PostgreSQL's and MySQL's limits)`;

const TIMING_ALLOW_ORIGIN =
  'a Timing-Allow-Origin header value such as "*" or "https://example.com", without control characters';
/** What node:http accepts in a header value: a bad one would make the response throw, not start-up. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]+$/;

const accessRecords = z.strictObject(
  {
    enabled: z.boolean({ error: 'expected true or false' }),
    retentionDays: z
      .number({ error: 'expected a whole number of days of at least 1, or null' })
      .int({ error: 'expected a whole number of days of at least 1, or null' })
      .min(1, { error: 'expected a whole number of days of at least 1, or null' })
      .nullable(),
    trackUser: z.boolean({ error: 'expected true or false' }),
  },
  { error: 'expected an object { enabled, retentionDays, trackUser }' },
);

const duration = z
  .string({ error: `expected ${DURATION_EXPECTED}` })
  .regex(DURATION, { error: `expected ${DURATION_EXPECTED}` })
  .nullable();
const retention = z.strictObject(
  { minutes: duration, hours: duration, days: duration },
  { error: 'expected an object { minutes, hours, days } of durations such as "48h" or "90d"' },
);

const dsn = url(
  'a transport DSN such as sync://, memory://, database://default, redis://…, rediss://…, amqp://… or amqps://…',
);
const retry = z.strictObject(
  {
    maxRetries: z
      .number({ error: 'expected a whole number of at least 0' })
      .int({ error: 'expected a whole number of at least 0' })
      .min(0, { error: 'expected a whole number of at least 0' }),
    delay: z
      .number({ error: 'expected milliseconds, at least 0' })
      .min(0, { error: 'expected milliseconds, at least 0' }),
    multiplier: z
      .number({ error: 'expected a number of at least 1' })
      .min(1, { error: 'expected a number of at least 1' }),
    maxDelay: z
      .number({ error: 'expected milliseconds, at least 0 (0: no bound)' })
      .min(0, { error: 'expected milliseconds, at least 0 (0: no bound)' }),
    jitter: z
      .number({ error: 'expected a number from 0 to 1' })
      .min(0, { error: 'expected a number from 0 to 1' })
      .max(1, { error: 'expected a number from 0 to 1' }),
  },
  { error: 'expected an object { maxRetries, delay, multiplier, maxDelay, jitter }' },
);

/** The languages of the dashboard's texts; each has its message catalog in `dashboard/i18n/`. */
export const DASHBOARD_LOCALES = ['en', 'es'] as const;

/** Where the dashboard is mounted unless `dashboard.path` says otherwise. */
export const DEFAULT_DASHBOARD_PATH = '/performance';

/**
 * A mount path of one or more segments of letters, digits and `. _ ~ -`: nothing that needs escaping in a
 * URL, a cookie's Path or a page, and never `/` alone, which would take every request of the app.
 */
export const DASHBOARD_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
const DASHBOARD_PATH_EXPECTED =
  'a path such as "/performance": one or more "/segment" of letters, digits and . _ ~ -, not "/" alone and without a trailing "/"';

const credential = (what: string, extra?: RegExp) => {
  const schema = nonEmptyString(what);
  return extra ? schema.regex(extra, { error: `expected ${what}` }) : schema;
};

/** The dashboard's actions, each a switch. */
export const DASHBOARD_ACTIONS = [
  'review',
  'deleteRoute',
  'clearEnvironment',
  'purgeRecords',
  'deleteRecords',
] as const;

/** The most rows one export may be set to hold: a download is built in memory. */
export const MAX_EXPORT_ROWS = 1_000_000;

const dashboardActions = z.strictObject(
  Object.fromEntries(
    DASHBOARD_ACTIONS.map((action) => [action, z.boolean({ error: 'expected true or false' })]),
  ) as Record<(typeof DASHBOARD_ACTIONS)[number], z.ZodBoolean>,
  { error: `expected an object { ${DASHBOARD_ACTIONS.join(', ')} } of true or false` },
);

const dashboard = z.strictObject(
  {
    path: z.string({ error: `expected ${DASHBOARD_PATH_EXPECTED}` }).regex(DASHBOARD_PATH, {
      error: `expected ${DASHBOARD_PATH_EXPECTED}`,
    }),
    authorize: fn('(request) => boolean | Promise<boolean>'),
    basicAuth: z.strictObject(
      {
        // RFC 7617: the user id of Basic authentication cannot hold a colon.
        user: credential('a user name without ":"', /^[^:]+$/),
        password: credential('a non-empty password'),
      },
      { error: 'expected an object { user, password }' },
    ),
    allowUnauthenticated: z.boolean({ error: 'expected true or false' }),
    locale: z.enum(DASHBOARD_LOCALES, {
      error: `expected ${DASHBOARD_LOCALES.map((l) => `"${l}"`).join(' or ')}`,
    }),
    autoRefresh: z.custom<number | false>(
      (value) => value === false || (Number.isInteger(value) && Number(value) >= 5 && Number(value) <= 3600),
      { error: 'expected a whole number of seconds from 5 to 3600, or false' },
    ),
    actions: dashboardActions.partial(),
    hooks: z
      .strictObject(
        {
          before: fn('(action, details) => boolean | Promise<boolean>'),
          after: fn('(action, details, result) => void'),
        },
        { error: 'expected an object { before, after } of functions' },
      )
      .partial(),
    export: z
      .strictObject(
        {
          maxRows: z
            .number({ error: `expected a whole number from 1 to ${MAX_EXPORT_ROWS}` })
            .int({ error: `expected a whole number from 1 to ${MAX_EXPORT_ROWS}` })
            .min(1, { error: `expected a whole number from 1 to ${MAX_EXPORT_ROWS}` })
            .max(MAX_EXPORT_ROWS, { error: `expected a whole number from 1 to ${MAX_EXPORT_ROWS}` }),
        },
        { error: 'expected an object { maxRows }' },
      )
      .partial(),
  },
  {
    error:
      'expected an object { path, authorize, basicAuth, allowUnauthenticated, locale, autoRefresh, actions, hooks, export }',
  },
);

/** A warning and a critical level of one metric: cells past them are coloured. */
const levels = (unit: string) => {
  const level = z
    .number({ error: `expected ${unit} above 0` })
    .positive({ error: `expected ${unit} above 0` })
    .refine(Number.isFinite, { error: `expected ${unit} above 0` });
  return z
    .strictObject({ warning: level, critical: level }, { error: 'expected an object { warning, critical }' })
    .partial();
};

const thresholds = z.strictObject(
  {
    requestTime: levels('milliseconds'),
    queryCount: levels('a number of queries'),
    memory: levels('bytes'),
  },
  { error: 'expected an object { requestTime, queryCount, memory }' },
);

/** Every key a user may set, with its own message for a wrong value. Unknown keys are rejected. */
const settingsShape = {
  enabled: z.boolean({ error: 'expected true or false' }),
  environment: environmentName,
  environments: z.array(environmentName, {
    error: 'expected a list of environment names',
  }),
  database: url('a database URL (sqlite:<path>, sqlite::memory:, postgres://…, mysql://…)'),
  tablePrefix: z
    .string({ error: `expected ${TABLE_PREFIX_EXPECTED}` })
    .regex(TABLE_PREFIX, { error: `expected ${TABLE_PREFIX_EXPECTED}` }),
  autoSetup: z.boolean({ error: 'expected true or false' }),
  trackRequestTime: z.boolean({ error: 'expected true or false' }),
  trackQueries: z.boolean({ error: 'expected true or false' }),
  serverTiming: z.boolean({ error: 'expected true or false' }),
  timingAllowOrigin: nonEmptyString(TIMING_ALLOW_ORIGIN).regex(HEADER_VALUE, {
    error: `expected ${TIMING_ALLOW_ORIGIN}`,
  }),
  ignoreRoutes: z.array(nonEmptyString('a route name or glob such as "GET /health" or "/_*"'), {
    error: 'expected a list of route names or globs',
  }),
  samplingRate: z
    .number({ error: 'expected a number from 0 to 1' })
    .min(0, { error: 'expected a number from 0 to 1' })
    .max(1, { error: 'expected a number from 0 to 1' }),
  nPlusOneThreshold: z
    .number({ error: 'expected a whole number of at least 2' })
    .int({ error: 'expected a whole number of at least 2' })
    .min(2, { error: 'expected a whole number of at least 2' }),
  maxRoutes: z
    .number({ error: 'expected a whole number of at least 1' })
    .int({ error: 'expected a whole number of at least 1' })
    .min(1, { error: 'expected a whole number of at least 1' }),
  syncTimeout: z
    .number({ error: 'expected a number of milliseconds of at least 1' })
    .min(1, { error: 'expected a number of milliseconds of at least 1' }),
  accessRecords: accessRecords.partial(),
  retention: retention.partial(),
  async: z.boolean({ error: 'expected true or false' }),
  transport: dsn,
  transports: z.record(
    z.string(),
    z.union([dsn, z.strictObject({ dsn, retry: retry.partial().optional() })], {
      error: 'expected a transport DSN, or { dsn, retry } for a transport with its own retry strategy',
    }),
    { error: 'expected an object of { <name>: <transport DSN> | { dsn, retry } }' },
  ),
  routing: z.record(z.string(), nonEmptyString('a transport name from `transports`'), {
    error: "expected an object such as { 'routeperf.record': '<transport name>' }",
  }),
  failureTransport: url('database://default or a SQL database URL').regex(
    /^(database:\/\/default|sqlite:|postgres(ql)?:\/\/|mysql:\/\/|mariadb:\/\/)/,
    { error: 'expected database://default or a SQL database URL (sqlite:, postgres://, mysql://)' },
  ),
  retry: retry.partial(),
  overflow: z.enum(['store', 'drop'], { error: 'expected "store" or "drop"' }),
  bufferSize: z
    .number({ error: 'expected a whole number of at least 1' })
    .int({ error: 'expected a whole number of at least 1' })
    .min(1, { error: 'expected a whole number of at least 1' }),
  dedupWindow: z
    .number({ error: 'expected milliseconds, at least 60000' })
    .min(60_000, { error: 'expected milliseconds, at least 60000' }),
  requestIdHeader: z
    .string({ error: 'expected an HTTP header name' })
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' }),
  logger,
  getUser: fn('(req) => user id'),
  beforeRecord: fn('(metrics) => void | false'),
  afterRecord: fn('(result) => void'),
  dashboard: dashboard.partial(),
  thresholds: thresholds.partial(),
  ...alertSettingsShape,
};

const settings = z.strictObject(settingsShape, { error: 'expected an object of routeperf options' });

/** A user's options: every key optional, plus `overrides` per environment. */
export const optionsSchema = settings.partial().extend({
  configFile: nonEmptyString('a path to a routeperf config file').optional(),
  overrides: z
    .record(z.string(), settings.partial(), { error: 'expected an object of { <environment>: options }' })
    .optional(),
});

export type UserOptions = z.input<typeof optionsSchema>;
