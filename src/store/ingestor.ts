import type { Compilable, Kysely, Transaction } from 'kysely';
import { OVERFLOW_ROUTE, type RequestMetrics, UNMATCHED_ROUTE } from '../core/metrics.js';
import { type CounterRow, planBatch, planRoutes, type RouteRow, routeKey } from './batch-plan.js';
import type { Merge } from './dialects/dialect.js';
import type { StoreDialect } from './dialects/index.js';
import { MultiRowInsert } from './multi-row-insert.js';
import { ACCESS_RECORD_COLUMNS, accessRecordValues, type Database } from './tables.js';

export interface IngestorOptions {
  /** Distinct routes per environment before new ones go to `(overflow)`. */
  maxRoutes: number;
  /** Write one access record per request. */
  accessRecords: boolean;
  /** Access records older than this (ms, by request time) are deleted; null keeps them. */
  accessRecordsRetention: number | null;
  /** How long (ms) a counted message id is remembered, for deduplication. */
  dedupWindow: number;
}

export interface IngestOptions {
  /**
   * Count each message id once, ever (within the ledger's window): ids already in the ledger are skipped,
   * and the new ones are added to it in the same transaction. For messages a transport may redeliver.
   */
  dedupe?: boolean;
  /**
   * More work for the same transaction, run after the batch's writes: a database transport whose queue
   * lives in the store's database deletes the batch's queue rows here, so that storing and acknowledging
   * commit together. Its tables must be known to the prefix plugin (`TABLES`).
   */
  inTransaction?: (trx: Transaction<Database>) => Promise<void>;
}

export interface IngestSummary {
  /** Requests in the batch. */
  requests: number;
  /** Requests skipped because their message id was counted before. */
  duplicates: number;
  /** Distinct routes the batch touched. */
  routes: number;
  /** Rows upserted or inserted, all tables together. */
  rows: number;
}

const TRANSIENT_RETRIES = 5;
const LAST_ACCESSED_PRECISION_MS = 60_000;

const AGGREGATE_MERGE: Record<string, Merge> = {
  count: 'add',
  time_sum: 'add',
  time_min: 'min',
  time_max: 'max',
  query_count_sum: 'add',
  query_count_max: 'max',
  query_time_sum: 'add',
  query_time_max: 'max',
  memory_sum: 'add',
  memory_max: 'max',
};

/** The batch's hot statements, compiled once per store (see MultiRowInsert). */
interface Statements {
  routes: MultiRowInsert;
  aggregates: MultiRowInsert;
  status_counts: MultiRowInsert;
  histogram: MultiRowInsert;
  /** Access records, skipping request ids already stored. */
  records: MultiRowInsert;
  /** The same, returning the request ids it added: the ledger when access records are it. */
  recordsReturningIds: MultiRowInsert;
  /** The ledger: adds message ids, skipping those in it, returning those it added. */
  claims: MultiRowInsert;
}

/**
 * Turns a batch of request metrics into route upserts, aggregate upserts and access records, all in one
 * transaction of multi-row statements. Every recording mode ends here; synchronous mode is a batch of one.
 */
export class Ingestor {
  readonly #routeIds = new Map<string, number>();
  /** First and last times of each route as this process last wrote them. */
  readonly #writtenTimes = new Map<string, { firstSeenAt: number; lastAccessedAt: number }>();
  /** Per environment, the `METHOD route` pairs that count toward `maxRoutes`. */
  readonly #knownRoutes = new Map<string, Promise<Set<string>>>();
  readonly #statements: Statements;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly options: IngestorOptions,
  ) {
    this.#statements = compileStatements(db, dialect);
  }

  async ingest(batch: readonly RequestMetrics[], options: IngestOptions = {}): Promise<IngestSummary> {
    if (batch.length === 0) return { requests: 0, duplicates: 0, routes: 0, rows: 0 };
    const limited = await this.#applyRouteLimit(batch);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.transaction().execute(async (trx) => {
          const written = await this.#write(trx, limited, options.dedupe ?? false);
          await options.inTransaction?.(trx);
          return written;
        });
        // Ids learnt inside a transaction are only true once it has committed.
        for (const [key, id] of result.newRouteIds) this.#routeIds.set(key, id);
        this.#wrote(result.writtenRoutes);
        return {
          requests: batch.length,
          duplicates: batch.length - result.fresh,
          routes: result.routes,
          rows: result.rows,
        };
      } catch (error) {
        if (attempt >= TRANSIENT_RETRIES || !this.dialect.isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }

  /**
   * Routes first (access records need their ids), then the requests not counted before — told by the
   * ledger, or by the access records' unique request id (see #byLedger) — then what those add
   * to the aggregates, status counts and histogram.
   */
  async #write(trx: Transaction<Database>, batch: readonly RequestMetrics[], dedupe: boolean) {
    const routes = planRoutes(batch);
    const { newRouteIds, writtenRoutes } = await this.#upsertRoutes(trx, routes);
    const id = (key: string) => this.#routeIds.get(key) ?? newRouteIds.get(key)!;
    const recordValues = (m: RequestMetrics) =>
      accessRecordValues(m, id(routeKey(m.environment, m.method, m.route)));
    const statements = this.#statements;

    let fresh = batch;
    let records = 0;
    if (dedupe) {
      const now = Date.now();
      const { viaRecords, viaLedger } = this.#byLedger(batch, now);
      const claimed = await this.#firstTimeOnly(viaLedger, (firsts) =>
        statements.claims.run<RequestMetrics, { message_id: string }>(trx, firsts, (m) => [m.id, now]),
      );
      const recorded = await this.#firstTimeOnly(viaRecords, (firsts) =>
        statements.recordsReturningIds.run<RequestMetrics, { request_id: string }>(trx, firsts, recordValues),
      );
      if (this.options.accessRecords) await statements.records.run(trx, claimed, recordValues);
      fresh = claimed.concat(recorded);
      if (this.options.accessRecords) records = fresh.length;
    } else if (this.options.accessRecords) {
      await statements.records.run(trx, batch, recordValues);
      records = batch.length;
    }

    const plan = planBatch(fresh);
    await statements.aggregates.run(trx, plan.aggregates, (row) => [
      id(row.key),
      row.bucket,
      row.count,
      row.timeSum,
      row.timeMin,
      row.timeMax,
      row.queryCountSum,
      row.queryCountMax,
      row.queryTimeSum,
      row.queryTimeMax,
      row.memorySum,
      row.memoryMax,
    ]);
    const counterValues = (row: CounterRow) => [id(row.key), row.bucket, row.slot, row.count];
    await statements.status_counts.run(trx, plan.statuses, counterValues);
    await statements.histogram.run(trx, plan.bins, counterValues);

    return {
      fresh: fresh.length,
      routes: routes.length,
      rows: writtenRoutes.length + plan.aggregates.length + plan.statuses.length + plan.bins.length + records,
      newRouteIds,
      writtenRoutes,
    };
  }

  /**
   * Which ledger tells whether each message was counted before. The access records, whose request id is
   * unique, when they are written and a message's record outlives the deduplication window — it is
   * deleted `accessRecordsRetention` after the request's time, so a message delivered late (a backlog)
   * may not qualify. The others go through `processed_messages`, remembered `dedupWindow` after handling.
   * One table instead of two per message roughly halves the database's work with access records on.
   */
  #byLedger(batch: readonly RequestMetrics[], now: number) {
    const { accessRecords, accessRecordsRetention, dedupWindow } = this.options;
    if (!accessRecords) return { viaRecords: [], viaLedger: batch };
    if (accessRecordsRetention === null) return { viaRecords: batch, viaLedger: [] };
    const oldest = now - accessRecordsRetention + dedupWindow;
    const viaRecords: RequestMetrics[] = [];
    const viaLedger: RequestMetrics[] = [];
    for (const m of batch) (m.ts >= oldest ? viaRecords : viaLedger).push(m);
    return { viaRecords, viaLedger };
  }

  /**
   * The metrics whose id `insert` added to a table keyed by it (the ledger, or the access records), and
   * only the first of an id repeated within the batch. The insert skips existing ids and returns the ones
   * it added: a worker inserting the same id at the same moment waits for the other's commit and then
   * skips it, so a message stored by two workers at once still counts once.
   */
  async #firstTimeOnly(
    batch: readonly RequestMetrics[],
    insert: (firsts: RequestMetrics[]) => Promise<({ message_id: string } | { request_id: string })[]>,
  ): Promise<RequestMetrics[]> {
    if (batch.length === 0) return [];
    const seen = new Set<string>();
    const firsts = batch.filter((m) => !seen.has(m.id) && seen.add(m.id));
    const added = new Set<string>();
    for (const row of await insert(firsts)) added.add('message_id' in row ? row.message_id : row.request_id);
    return firsts.filter((m) => added.has(m.id));
  }

  /**
   * True when the route row must be written: a route this process has not written yet, or one whose first
   * sighting moves earlier or whose last access moves by a minute or more. Rewriting `last_accessed_at` of
   * every route in every batch would make concurrent batches queue up on those row locks; a minute is the
   * precision of everything else the store keeps.
   */
  #isStale(row: RouteRow): boolean {
    const written = this.#writtenTimes.get(row.key);
    return (
      written === undefined ||
      row.firstSeenAt < written.firstSeenAt ||
      row.lastAccessedAt - written.lastAccessedAt >= LAST_ACCESSED_PRECISION_MS
    );
  }

  /** Remembers route times a committed batch wrote. */
  #wrote(routes: readonly RouteRow[]) {
    for (const row of routes) {
      const written = this.#writtenTimes.get(row.key);
      this.#writtenTimes.set(row.key, {
        firstSeenAt: Math.min(row.firstSeenAt, written?.firstSeenAt ?? row.firstSeenAt),
        lastAccessedAt: Math.max(row.lastAccessedAt, written?.lastAccessedAt ?? row.lastAccessedAt),
      });
    }
  }

  /** Upserts the batch's routes that need it; returns them, and the ids of routes not cached yet. */
  async #upsertRoutes(trx: Transaction<Database>, routes: readonly RouteRow[]) {
    const stale = routes.filter((row) => this.#isStale(row));
    await this.#statements.routes.run(trx, stale, (row) => [
      row.environment,
      row.method,
      row.route,
      row.firstSeenAt,
      row.lastAccessedAt,
    ]);

    const newRouteIds = new Map<string, number>();
    const byEnvironment = new Map<string, string[]>();
    for (const row of routes) {
      if (this.#routeIds.has(row.key)) continue;
      byEnvironment.set(row.environment, [...(byEnvironment.get(row.environment) ?? []), row.route]);
    }
    for (const [environment, names] of byEnvironment) {
      const found = await trx
        .selectFrom('routes')
        .select(['id', 'method', 'route'])
        .where('environment', '=', environment)
        .where('route', 'in', [...new Set(names)])
        .execute();
      for (const row of found) newRouteIds.set(routeKey(environment, row.method, row.route), Number(row.id));
    }
    return { newRouteIds, writtenRoutes: stale };
  }

  /**
   * Past `maxRoutes` distinct routes in an environment, requests to a route not yet known are counted
   * under `(overflow)` of their method, so a scan of random URLs cannot grow the tables without bound.
   */
  async #applyRouteLimit(batch: readonly RequestMetrics[]): Promise<readonly RequestMetrics[]> {
    let result: RequestMetrics[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      if (m.route === UNMATCHED_ROUTE || m.route === OVERFLOW_ROUTE) continue;
      const known = await this.#known(m.environment);
      const key = `${m.method} ${m.route}`;
      if (known.has(key)) continue;
      if (known.size < this.options.maxRoutes) {
        known.add(key);
        continue;
      }
      result ??= [...batch];
      result[i] = { ...m, route: OVERFLOW_ROUTE };
    }
    return result ?? batch;
  }

  #known(environment: string): Promise<Set<string>> {
    let known = this.#knownRoutes.get(environment);
    if (!known) {
      known = this.db
        .selectFrom('routes')
        .select(['method', 'route'])
        .where('environment', '=', environment)
        .where('route', 'not in', [UNMATCHED_ROUTE, OVERFLOW_ROUTE])
        .execute()
        .then((rows) => new Set(rows.map((row) => `${row.method} ${row.route}`)));
      // A failed load (database down) must be retried on the next batch, not cached.
      known.catch(() => this.#knownRoutes.delete(environment));
      this.#knownRoutes.set(environment, known);
    }
    return known;
  }
}

/**
 * Each hot statement as Kysely compiles it for one row of the dialect, with the store's table prefix.
 * The column order here is the order of the values the Ingestor passes to `run`.
 */
function compileStatements(db: Kysely<Database>, dialect: StoreDialect): Statements {
  const oneRow = <T extends keyof Database>(table: T, columns: readonly string[]) =>
    db.insertInto(table).values(Object.fromEntries(columns.map((column) => [column, 0])) as never);
  const widen = (statement: Compilable) => new MultiRowInsert(statement, dialect.maxParameters);
  const counter = (table: 'status_counts' | 'histogram', slot: 'status_code' | 'bin') =>
    widen(
      dialect.upsert(
        oneRow(table, ['route_id', 'bucket', slot, 'count']),
        table,
        ['route_id', 'bucket', slot],
        {
          count: 'add',
        },
      ),
    );
  const records = () =>
    dialect.insertIgnoringDuplicates(oneRow('access_records', ACCESS_RECORD_COLUMNS), ['request_id']);
  return {
    routes: widen(
      dialect.upsert(
        oneRow('routes', ['environment', 'method', 'route', 'first_seen_at', 'last_accessed_at']),
        'routes',
        ['environment', 'method', 'route'],
        { first_seen_at: 'min', last_accessed_at: 'max' },
      ),
    ),
    aggregates: widen(
      dialect.upsert(
        oneRow('aggregates', ['route_id', 'bucket', ...Object.keys(AGGREGATE_MERGE)]),
        'aggregates',
        ['route_id', 'bucket'],
        AGGREGATE_MERGE,
      ),
    ),
    status_counts: counter('status_counts', 'status_code'),
    histogram: counter('histogram', 'bin'),
    records: widen(records()),
    recordsReturningIds: widen(records().returning('request_id')),
    claims: widen(
      dialect
        .insertIgnoringDuplicates(oneRow('processed_messages', ['message_id', 'processed_at']), [
          'message_id',
        ])
        .returning('message_id'),
    ),
  };
}
