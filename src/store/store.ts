import { existsSync } from 'node:fs';
import { Kysely, type MigrationResultSet, sql } from 'kysely';
import { redactDsn, redactSecretsIn } from '../dsn.js';
import { describeCause, type ErrorCause, isOutageCause, RouteperfError } from '../errors.js';
import { DEFAULT_N_PLUS_ONE_THRESHOLD, type RequestMetrics } from '../record/metrics.js';
import { AlertStates } from './alert-states.js';
import { dialectFor, type StoreDialect } from './dialects/index.js';
import { sqliteFile } from './dialects/sqlite/sqlite-connection.js';
import { errorCause } from './errors.js';
import { FailureLog } from './failures.js';
import { Ingestor } from './ingestor.js';
import { createMigrator, migrationTables } from './migrations/index.js';
import { introspectingOnly } from './named-tables-introspector.js';
import {
  type AccessRecord,
  type AccessRecordsPage,
  type AccessRecordsQuery,
  type AccessStatistics,
  type LatencyBin,
  type RouteLists,
  type RouteListsQuery,
  type RouteSummary,
  type RoutesPage,
  type RoutesQuery,
  StoreReader,
  type TimeseriesPoint,
  type TimeseriesQuery,
  type WindowQuery,
  type WindowSummary,
} from './reads.js';
import { Rebuild, type RebuildOptions, type RebuildResult } from './rebuild.js';
import { type Retention, Rollup, type RollupResult } from './rollup.js';
import { RouteAdmin } from './route-admin.js';
import type { IngestOptions, IngestSummary, Sink } from './sink.js';
import { TablePrefixPlugin } from './table-prefix-plugin.js';
import { type Database, TABLES } from './tables.js';
import { WorkerRegistry } from './workers.js';

/** A migration of this version, and when the database applied it. */
export interface MigrationState {
  name: string;
  /** Undefined while it is pending. */
  appliedAt: Date | undefined;
}

export interface StoreOptions {
  database: string;
  tablePrefix: string;
  /** Environment read by default. */
  environment: string;
  autoSetup: boolean;
  maxRoutes: number;
  /** A request running one SQL shape more than this many times is an N+1 of its route. Default 5. */
  nPlusOneThreshold?: number;
  accessRecords: { enabled: boolean; retentionDays: number | null };
  /** How long (ms) rolled-up buckets are kept at each resolution (see Rollup). Default: all for ever. */
  retention?: Retention;
  /** Roll up every minute after writes (default); false leaves it to `rollup()` (`routeperf rollup`). */
  autoRollup?: boolean;
  /** How long (ms) an ingested message id is remembered, so that a redelivery within it counts once. Default 10 minutes. */
  dedupWindow?: number;
  /** Called with what a pooled connection reports outside any call (the server closed it, a reset). */
  onBackgroundError: (error: unknown) => void;
  /**
   * Only read (reports): never create the SQLite file, a table or a migration, whatever `autoSetup` says;
   * a missing file or missing tables are an error that says to run `routeperf migrate`.
   */
  readOnly?: boolean;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const DEFAULT_DEDUP_WINDOW_MS = 10 * MINUTE_MS;
const KEEP_EVERYTHING: Retention = { minutes: null, hours: null, days: null };

/**
 * The SQL store: opens the database on first use, creates or upgrades the schema when `autoSetup` is on,
 * writes batches through the Ingestor and answers the read API.
 */
export class Store implements Sink {
  readonly dialect: StoreDialect;
  #connection?: Promise<Kysely<Database>>;
  #ready?: Promise<{
    ingestor: Ingestor;
    reader: StoreReader;
    failures: FailureLog;
    workers: WorkerRegistry;
    alertStates: AlertStates;
    rollup: Rollup;
    admin: RouteAdmin;
    rebuild: Rebuild;
  }>;
  readonly #lastMaintainedAt = { accessRecords: 0, ledger: 0, rollup: 0 };
  /** The background maintenance in flight; it never rejects, and `close()` waits for it. */
  #maintaining?: Promise<void>;

  constructor(private readonly options: StoreOptions) {
    this.dialect = dialectFor(options.database);
  }

  /** Where the tables are, for messages that ask to create them: a SQLite file by its absolute path. */
  get location(): string {
    return this.dialect.name === 'sqlite' ? sqliteFile(this.options.database) : this.description;
  }

  /** The database with a redacted password, for messages. */
  get description(): string {
    return redactDsn(this.options.database);
  }

  /** Writes one batch in one transaction. Throws when the database cannot take it. */
  async ingest(batch: readonly RequestMetrics[], options?: IngestOptions): Promise<IngestSummary> {
    const { ingestor } = await this.#open();
    const summary = await ingestor.ingest(batch, options);
    this.#maintain(options?.dedupe === true);
    return summary;
  }

  maintain(): void {
    this.#maintain(false);
  }

  /**
   * Rolls up the minutes that are over and deletes the buckets past their retention (see Rollup). Writes
   * run it by themselves every minute; `routeperf rollup` runs it from cron.
   */
  async rollup(now?: number): Promise<RollupResult> {
    return (await this.#open()).rollup.run(now);
  }

  /**
   * Recomputes the rolled-up buckets of a window from the access records (see Rebuild); `routeperf
   * rebuild` runs it.
   */
  async rebuild(options: RebuildOptions = {}): Promise<RebuildResult> {
    return (await this.#open()).rebuild.run(options);
  }

  causeOf(error: unknown): ErrorCause {
    return errorCause(error);
  }

  /** The failure store of asynchronous mode. */
  async failures(): Promise<FailureLog> {
    return (await this.#open()).failures;
  }

  /** Reviews, and deleting what was recorded of routes and environments: the dashboard's actions. */
  async admin(): Promise<RouteAdmin> {
    return (await this.#open()).admin;
  }

  /** Alert rules' states, the messages sent, and the evaluators' lease. */
  async alertStates(): Promise<AlertStates> {
    return (await this.#open()).alertStates;
  }

  /** Worker heartbeats and the stop-workers signal. */
  async workers(): Promise<WorkerRegistry> {
    return (await this.#open()).workers;
  }

  async routes(query?: RoutesQuery): Promise<RouteSummary[]> {
    return (await this.routesPage(query)).routes;
  }

  async routesPage(query?: RoutesQuery): Promise<RoutesPage> {
    return (await this.#open()).reader.routesPage(query);
  }

  async routeLists(query: RouteListsQuery): Promise<RouteLists> {
    return (await this.#open()).reader.routeLists(query);
  }

  async timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
    return (await this.#open()).reader.timeseries(query);
  }

  async summary(query?: WindowQuery): Promise<WindowSummary> {
    return (await this.#open()).reader.summary(query);
  }

  async latencyHistogram(query?: WindowQuery): Promise<LatencyBin[]> {
    return (await this.#open()).reader.latencyHistogram(query);
  }

  async accessStatistics(query?: WindowQuery): Promise<AccessStatistics> {
    return (await this.#open()).reader.accessStatistics(query);
  }

  /** Every access record the filters match, oldest first, `batchSize` at a time: for exports of any size. */
  async *accessRecordBatches(query: AccessRecordsQuery, batchSize: number): AsyncGenerator<AccessRecord[]> {
    yield* (await this.#open()).reader.accessRecordBatches(query, batchSize);
  }

  async accessRecords(query?: AccessRecordsQuery): Promise<AccessRecordsPage> {
    return (await this.#open()).reader.accessRecords(query);
  }

  /** Creates or upgrades the schema to this version's, whatever `autoSetup` says. */
  async migrate(): Promise<MigrationResultSet> {
    return this.#migrate(await this.#connected());
  }

  /** Each migration of this version, in order, and when the database applied it (undefined: pending). */
  async migrations(): Promise<MigrationState[]> {
    const db = await this.#connected();
    const migrations = await createMigrator(db, this.dialect, this.options.tablePrefix)
      .getMigrations()
      .catch((error: unknown) => {
        throw this.#failure('read the migrations of', error);
      });
    return migrations.map(({ name, executedAt }) => ({ name, appliedAt: executedAt }));
  }

  async #migrate(db: Kysely<Database>): Promise<MigrationResultSet> {
    const result = await createMigrator(db, this.dialect, this.options.tablePrefix).migrateToLatest();
    if (result.error) throw this.#failure('migrate', result.error);
    return result;
  }

  async close(): Promise<void> {
    await this.#maintaining;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#ready = undefined;
    if (connection) await (await connection.catch(() => undefined))?.destroy();
  }

  #connect(): Promise<Kysely<Database>> {
    if (this.#connection) return this.#connection;
    const { database, onBackgroundError, readOnly, tablePrefix: prefix } = this.options;
    const ownTables = [...TABLES.map((table) => prefix + table), ...Object.values(migrationTables(prefix))];
    const connection = this.dialect.createDialect(database, onBackgroundError, { readOnly }).then(
      (dialect) =>
        new Kysely<Database>({
          dialect: introspectingOnly(dialect, this.dialect, ownTables),
          plugins: [new TablePrefixPlugin(prefix, TABLES)],
        }),
    );
    this.#connection = connection;
    connection.catch(() => {
      if (this.#connection === connection) this.#connection = undefined;
    });
    return connection;
  }

  #open() {
    if (this.#ready) return this.#ready;
    const ready = (async () => {
      const db = await this.#connected();
      if (this.options.autoSetup && !this.options.readOnly) await this.#migrate(db);
      else await this.#requireSchema(db);
      const nPlusOneThreshold = this.options.nPlusOneThreshold ?? DEFAULT_N_PLUS_ONE_THRESHOLD;
      const rollup = new Rollup(db, this.dialect, this.options.retention ?? KEEP_EVERYTHING);
      return {
        ingestor: new Ingestor(db, this.dialect, {
          maxRoutes: this.options.maxRoutes,
          nPlusOneThreshold,
          accessRecords: this.options.accessRecords.enabled,
          accessRecordsRetention:
            this.options.accessRecords.retentionDays === null
              ? null
              : this.options.accessRecords.retentionDays * DAY_MS,
          dedupWindow: this.options.dedupWindow ?? DEFAULT_DEDUP_WINDOW_MS,
          claimMethod: await this.dialect.claimMethod(db, this.options.database),
        }),
        reader: new StoreReader(db, this.dialect, this.options.environment),
        failures: new FailureLog(db),
        workers: new WorkerRegistry(db),
        alertStates: new AlertStates(db, this.dialect),
        rollup,
        admin: new RouteAdmin(db, this.dialect, this.options.environment),
        rebuild: new Rebuild(db, this.dialect, rollup, nPlusOneThreshold),
      };
    })();
    this.#ready = ready;
    // A failure (database down) is retried by the next call rather than remembered.
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready;
  }

  /**
   * The connection once the database has answered, so that a database out of reach is reported as such
   * rather than as a failure of whatever came next (a migration, a read).
   */
  async #connected(): Promise<Kysely<Database>> {
    if (this.options.readOnly) this.#requireSqliteFile();
    try {
      const db = await this.#connect();
      await sql`select 1`.execute(db);
      return db;
    } catch (error) {
      if (error instanceof RouteperfError) throw error;
      throw this.#failure('connect to', error);
    }
  }

  /** better-sqlite3 would create a missing file; a store that only reads says that there is none instead. */
  #requireSqliteFile() {
    if (this.dialect.name !== 'sqlite') return;
    const file = sqliteFile(this.options.database);
    if (file === ':memory:' || existsSync(file)) return;
    throw new RouteperfError(
      'ROUTEPERF_STORE_SCHEMA',
      `There is no routeperf database at ${file}: run \`routeperf migrate\` to create it, or point "database" (or --database) at the right file.`,
    );
  }

  /** Without autoSetup, tables that are missing or older than this version are a step the user must take. */
  async #requireSchema(db: Kysely<Database>) {
    const migrations = await createMigrator(db, this.dialect, this.options.tablePrefix)
      .getMigrations()
      .catch((error) => {
        throw this.#failure('read the schema version of', error);
      });
    if (migrations.every((migration) => migration.executedAt)) return;
    throw new RouteperfError(
      'ROUTEPERF_STORE_SCHEMA',
      `The routeperf tables (prefix "${this.options.tablePrefix}") in ${this.location} are missing or out of date, ${
        this.options.readOnly
          ? 'and this command only reads: run `routeperf migrate` to create them.'
          : 'and autoSetup is off: run `routeperf migrate`, or set autoSetup: true.'
      }`,
    );
  }

  /**
   * The database could not be used for `action`. Only an outage (see ErrorCause) is STORE_UNREACHABLE,
   * naming the database and keeping the cause for logs; anything else (a bug, a SQL error) is thrown as
   * it is, so that it reads as what it is rather than as a database to check.
   */
  #failure(action: string, error: unknown) {
    if (!isOutageCause(errorCause(error))) return error;
    const cause = redactSecretsIn(describeCause(error), [this.options.database]);
    const message = `Could not ${action} ${this.description}: ${cause}`;
    return new RouteperfError('ROUTEPERF_STORE_UNREACHABLE', message, { cause: error });
  }

  /**
   * Keeps the tables small in the background: rolls up (every minute), deletes access records past
   * `retentionDays` (checked hourly, in batches: see batched-delete.ts) and ledger ids past the deduplication window (checked every minute,
   * once the ledger is in use).
   */
  #maintain(dedupe: boolean) {
    if (this.#maintaining) return;
    const now = Date.now();
    const last = this.#lastMaintainedAt;
    const { retentionDays, enabled } = this.options.accessRecords;
    const tasks: ((parts: {
      db: Kysely<Database>;
      rollup: Rollup;
      admin: RouteAdmin;
    }) => Promise<unknown>)[] = [];
    if (this.options.autoRollup !== false && now - last.rollup >= MINUTE_MS) {
      last.rollup = now;
      tasks.push(({ rollup }) => rollup.run(now));
    }
    if (enabled && retentionDays !== null && now - last.accessRecords >= HOUR_MS) {
      last.accessRecords = now;
      tasks.push(({ admin }) => admin.purgeAccessRecords(now - retentionDays * DAY_MS));
    }
    if (dedupe && now - last.ledger >= MINUTE_MS) {
      last.ledger = now;
      tasks.push(({ db }) =>
        db
          .deleteFrom('processed_messages')
          .where('processed_at', '<', now - (this.options.dedupWindow ?? DEFAULT_DEDUP_WINDOW_MS))
          .execute(),
      );
    }
    if (tasks.length === 0) return;
    this.#maintaining = Promise.all([this.#connect(), this.#open()])
      .then(async ([db, { rollup, admin }]) => {
        for (const task of tasks) await task({ db, rollup, admin });
      })
      .then(() => undefined, this.options.onBackgroundError)
      .finally(() => {
        this.#maintaining = undefined;
      });
  }
}
