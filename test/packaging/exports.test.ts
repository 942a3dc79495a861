/**
 * What the package lets an app reach, against an explicit list: the run-time exports of every entry point,
 * every name the main entry point declares (types too), and the keys of a routeperf handle. An internal
 * that leaks (a Store, the recorder, ingest, migrate) fails here, as does an export nobody listed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { sqliteUrl } from '../support/sqlite.js';

const RUNTIME_EXPORTS: Record<string, string[]> = {
  '.': [
    'ACCESS_RECORD_SORT_KEYS',
    'OVERFLOW_ROUTE',
    'ROUTE_SORT_KEYS',
    'RouteperfError',
    'STATUS_CLASSES',
    'UNMATCHED_ROUTE',
    'createRouteperf',
    'dashboardOf',
    'defineConfig',
    'recordQuery',
    'trackQuery',
  ],
  './express': ['default', 'routeperf'],
  './fastify': ['default', 'routeperf'],
  './http': ['default', 'normalizePath', 'withRouteperf'],
  './koa': ['default', 'routeperf'],
  './hono': ['default', 'routeperf'],
  './nest': ['ROUTEPERF', 'RouteperfModule'],
  './prometheus': [
    'PROMETHEUS_CONTENT_TYPE',
    'prometheusFetchHandler',
    'prometheusHandler',
    'prometheusMetrics',
  ],
  './opentelemetry': ['RouteperfSpanProcessor', 'routeperfSpanProcessor'],
  './pg': ['trackPg'],
  './better-sqlite3': ['trackBetterSqlite3'],
  './drizzle': ['trackDrizzle'],
  './mysql2': ['trackMysql2'],
  './knex': ['trackKnex'],
  './kysely': ['trackKysely'],
  './prisma': ['routeperfPrisma', 'trackPrisma'],
  './typeorm': ['trackTypeORM'],
  './sequelize': ['trackSequelize'],
};

/** The types `routeperf` exports besides its run-time values. */
const MAIN_TYPES = [
  'AccessRecord',
  'AccessRecordSortKey',
  'AccessRecordsOptions',
  'AccessRecordsPage',
  'AccessRecordsQuery',
  'AccessStatistics',
  'AlertChannelConfig',
  'AlertCondition',
  'AlertMetric',
  'AlertNotification',
  'AlertRule',
  'Dashboard',
  'DashboardAction',
  'DashboardActionDetails',
  'DashboardActionFlags',
  'DashboardActionResult',
  'DashboardHooks',
  'DashboardOptions',
  'DashboardRequest',
  'DashboardResponse',
  'ErrorCause',
  'LatencyBin',
  'LatencySummary',
  'Logger',
  'NamedTransport',
  'RecordResult',
  'RecordingMode',
  'RequestMetrics',
  'ResolvedConfig',
  'RouteLists',
  'RouteListsQuery',
  'RouteOrder',
  'RouteSortKey',
  'RouteSummary',
  'RoutesPage',
  'RoutesQuery',
  'Routeperf',
  'RouteperfErrorCode',
  'RouteperfOptions',
  'RouteperfSettings',
  'RouteperfStats',
  'StatusClass',
  'ThresholdOptions',
  'TimeInput',
  'TimeseriesPoint',
  'TimeseriesQuery',
  'WindowQuery',
  'WindowSummary',
];

const HANDLE_KEYS = [
  'accessRecords',
  'accessStatistics',
  'close',
  'config',
  'latencyHistogram',
  'mode',
  'routeLists',
  'routes',
  'routesPage',
  'stats',
  'summary',
  'timeseries',
];

const repoFile = (path: string) => new URL(`../../${path}`, import.meta.url);
const packageJson = JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as {
  exports: Record<string, string | { import: string }>;
};

/** The source of an entry point: `./dist/adapters/http.js` is built from `src/adapters/http.ts`. */
function sourceOf(target: string | { import: string }): URL {
  const built = typeof target === 'string' ? target : target.import;
  return repoFile(built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
}

/** Every name the `export … from` statements of a file declare; throws on any other statement. */
function declaredExports(source: string): string[] {
  const statement = /export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'[^']+';/g;
  const rest = source.replace(statement, '').trim();
  if (rest) throw new Error(`expected only "export { … } from" statements, found: ${rest.slice(0, 80)}`);
  return [...source.matchAll(statement)].flatMap(([, names]) =>
    names!
      .split(',')
      .map((name) => name.trim().replace(/^type\s+/, ''))
      .filter(Boolean)
      .map((name) => name.split(/\s+as\s+/).at(-1)!),
  );
}

describe('the package entry points', () => {
  const entries = Object.entries(packageJson.exports).filter(([entry]) => entry !== './package.json');

  it('are the ones listed here', () => {
    expect(entries.map(([entry]) => entry).sort()).toEqual(Object.keys(RUNTIME_EXPORTS).sort());
  });

  it.each(entries)('%s exports at run time exactly what is listed', async (entry, target) => {
    const module = (await import(sourceOf(target).href)) as Record<string, unknown>;
    expect(Object.keys(module).sort()).toEqual(RUNTIME_EXPORTS[entry]);
  });

  it('routeperf declares exactly the listed values and types, no Store and no IngestSummary', () => {
    const names = declaredExports(readFileSync(sourceOf(packageJson.exports['.']!), 'utf8'));
    expect(names.sort()).toEqual([...RUNTIME_EXPORTS['.']!, ...MAIN_TYPES].sort());
  });
});

describe('a routeperf handle', () => {
  const handles: Routeperf[] = [];
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
  });

  it.each([
    ['synchronous mode', {}],
    ['sync://', { async: true, transport: 'sync://' }],
    ['memory://', { async: true, transport: 'memory://' }],
  ])('in %s has the public keys only; the internals stay with routeperf', async (_mode, options) => {
    const handle = await createRouteperf({ database: sqliteUrl(), environment: 'test', ...options });
    handles.push(handle);
    expect(Reflect.ownKeys(handle).map(String).sort()).toEqual(HANDLE_KEYS);
    expect(Object.getPrototypeOf(handle)).toBe(Object.prototype);
    expect(Object.keys(internalsOf(handle)).sort()).toEqual(['config', 'failures', 'recorder', 'store']);
  });
});
