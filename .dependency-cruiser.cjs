// The import rules of docs/architecture.md: layers import only downward, transports are leaves, no cycles.
const GROUND = '^src/(record/|errors\\.ts$|dsn\\.ts$|logger\\.ts$)';
const DRIVERS_AND_FRAMEWORKS =
  '^node_modules/(fastify|fastify-plugin|express|koa|@koa|hono|@hono|@nestjs|pg|mysql2|better-sqlite3|knex|sequelize|typeorm|drizzle-orm|@prisma|ioredis|amqplib|kysely)/';

/** A rule forbidding imports from `from` to `to`, with its reason. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

module.exports = {
  forbidden: [
    forbid('no-cycles', 'A cycle makes two modules one: neither can be read or changed alone.', {}, { circular: true }),
    forbid('no-unresolvable', 'Every import resolves to a file or an installed package.', {}, { couldNotResolve: true }),
    forbid(
      'ground-floor-stands-alone',
      'The record, errors, DSNs and the logger type import nothing else of routeperf.',
      { path: GROUND },
      { path: '^src/', pathNot: GROUND },
    ),
    forbid(
      'config-on-the-ground-floor-only',
      'Configuration is data: it knows no part that uses it.',
      { path: '^src/config/' },
      { path: '^src/', pathNot: `${GROUND}|^src/config/` },
    ),
    forbid(
      'core-knows-no-store-transport-or-framework',
      'The recorder, the request scope and group commit work the same whatever stores or serves the requests.',
      { path: '^src/core/' },
      { path: `^src/(store|bus|routeperf|adapters|trackers|cli|demo)/|^src/routeperf\\.ts$|^src/index\\.ts$|${DRIVERS_AND_FRAMEWORKS}` },
    ),
    forbid(
      'store-on-the-ground-floor-only',
      'The store knows nothing of who feeds it (sync mode, a worker) or reads it (CLI, adapters).',
      { path: '^src/store/' },
      { path: '^src/', pathNot: `${GROUND}|^src/store/` },
    ),
    forbid(
      'bus-sees-the-store-through-its-sink',
      'The bus depends on the Sink interface that the store implements, never on the Store class or its tables.',
      { path: '^src/bus/', pathNot: '^src/bus/transports/database/' },
      { path: '^src/store/', pathNot: '^src/store/sink\\.ts$' },
    ),
    forbid(
      'database-queue-borrows-only-dialects',
      "A queue in a SQL database shares the store's dialects and error reading, nothing else of the store.",
      { path: '^src/bus/transports/database/' },
      { path: '^src/store/', pathNot: '^src/store/(sink|errors|table-prefix-plugin)\\.ts$|^src/store/dialects/' },
    ),
    forbid(
      'bus-above-config-below-the-root',
      'The bus knows no recorder, composition root, adapter or CLI.',
      { path: '^src/bus/' },
      { path: '^src/(core|routeperf|adapters|cli|demo)/|^src/routeperf\\.ts$|^src/index\\.ts$' },
    ),
    forbid(
      'transports-are-leaves',
      'A transport imports no other transport.',
      { path: '^src/bus/transports/([^/]+)/' },
      { path: '^src/bus/transports/', pathNot: '^src/bus/transports/$1/' },
    ),
    forbid(
      'the-worker-and-producer-know-no-transport',
      'The worker and the producer talk to the Transport interface; only the composition root and the CLI pick one.',
      { path: '^src/bus/', pathNot: '^src/bus/transports/' },
      { path: '^src/bus/transports/' },
    ),
    forbid(
      'trackers-see-only-the-request-scope',
      'A query tracker adds to the current request through the request scope; it knows no recorder, store or bus.',
      { path: '^src/trackers/' },
      { path: '^src/', pathNot: '^src/core/(scope|sql-shape)\\.ts$|^src/trackers/' },
    ),
    forbid(
      'trackers-are-leaves',
      'A tracker imports no other tracker; Drizzle, which runs on the others, is the one that may.',
      { path: '^src/trackers/([^/]+)/', pathNot: '^src/trackers/drizzle/' },
      { path: '^src/trackers/[^/]+/', pathNot: '^src/trackers/$1/' },
    ),
    forbid(
      'root-below-adapters-and-cli',
      'The composition root builds the parts; adapters and the CLI use it, not the other way round.',
      { path: '^src/routeperf(/|\\.ts$)' },
      { path: '^src/(adapters|cli|demo)/|^src/index\\.ts$' },
    ),
    forbid(
      'adapters-use-the-root',
      'An adapter reaches the store and the bus only through the composition root.',
      { path: '^src/adapters/' },
      { path: '^src/(store|bus|cli|demo)/|^src/index\\.ts$' },
    ),
    forbid(
      'dashboard-reads-through-the-handle',
      "The dashboard reads through the routeperf handle: no store, bus, tracker, adapter or CLI, and no framework, since it answers plain requests. Its actions (reviews, deletions) reach the store's admin through routeperf/internals.ts, and its diagnose page runs the checks of routeperf/diagnosis/: this rule leaves routeperf/ open on purpose, while the store's modules stay closed.",
      { path: '^src/dashboard/' },
      { path: `^src/(store|bus|trackers|adapters|cli|demo)/|^src/index\\.ts$|${DRIVERS_AND_FRAMEWORKS}` },
    ),
    forbid(
      'nothing-below-imports-the-dashboard',
      'The dashboard sits on the composition root; only the adapters, the CLI and the entry point mount or expose it.',
      { path: '^src/', pathNot: '^src/(dashboard|adapters|cli)/|^src/index\\.ts$' },
      { path: '^src/dashboard/' },
    ),
    forbid(
      'prometheus-reads-through-the-handle',
      "The Prometheus exposition reads the routes through the routeperf handle, as the dashboard does: no store, bus, tracker, adapter, dashboard or CLI, and no framework, since its handler answers plain node:http requests.",
      { path: '^src/prometheus/' },
      { path: `^src/(store|bus|trackers|adapters|dashboard|cli|demo)/|^src/index\\.ts$|${DRIVERS_AND_FRAMEWORKS}` },
    ),
    forbid(
      'alerts-read-through-the-handle',
      "Alert rules read the metrics through the routeperf handle, as the dashboard does. Of the store they use only their own state (alert-states.ts), and the store's loader of optional packages for nodemailer; no bus, tracker, adapter, dashboard or CLI.",
      { path: '^src/alerts/' },
      {
        path: `^src/(store|bus|trackers|adapters|dashboard|prometheus|cli|demo)/|^src/index\\.ts$|${DRIVERS_AND_FRAMEWORKS}`,
        pathNot: '^src/store/(alert-states|dialects/shared/import-driver)\\.ts$',
      },
    ),
    forbid(
      'nothing-below-imports-alerts',
      'Alerts sit on the composition root; the CLI runs them and the entry point exposes them.',
      { path: '^src/', pathNot: '^src/(alerts|cli)/|^src/index\\.ts$' },
      { path: '^src/alerts/' },
    ),
    forbid(
      'opentelemetry-records-through-the-recorder',
      "The SpanProcessor hands each server span to the recorder that routeperf/internals.ts gives, as an adapter hands a request: no store, bus, tracker, adapter, dashboard or CLI. It imports only the types of OpenTelemetry (test/opentelemetry checks that it loads with no OpenTelemetry package installed).",
      { path: '^src/opentelemetry/' },
      { path: `^src/(store|bus|trackers|adapters|dashboard|prometheus|alerts|cli|demo)/|^src/index\\.ts$|${DRIVERS_AND_FRAMEWORKS}` },
    ),
    forbid('cli-on-top', 'Nothing but the CLI imports the CLI.', { path: '^src/', pathNot: '^src/cli/' }, { path: '^src/cli/' }),
    forbid(
      'demo-for-the-cli',
      'The demo app is started by `routeperf demo` only.',
      { path: '^src/', pathNot: '^src/(cli|demo)/' },
      { path: '^src/demo/' },
    ),
    forbid('index-is-the-entry', 'The public entry point is imported by users, not by routeperf.', { path: '^src/' }, { path: '^src/index\\.ts$' }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keeps packages named by their node_modules path, whatever links lead there.
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    parser: 'swc',
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
