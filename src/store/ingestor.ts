import type { Kysely, Transaction } from 'kysely';
import { OVERFLOW_ROUTE, type RequestMetrics } from '../record/metrics.js';
import { type CounterRow, planBatch, planRoutes, type RouteRow, routeKey } from './batch-plan.js';
import type { BulkColumn, BulkInsert, FinishInsert } from './bulk-insert.js';
import { type ClaimInsert, claimInsert } from './claim-insert.js';
import type { ClaimMethod, Merge } from './dialects/dialect.js';
import type { StoreDialect } from './dialects/index.js';
import { type Admission, RouteAdmission } from './route-admission.js';
import type { IngestOptions, IngestSummary } from './sink.js';
import { ACCESS_RECORD_COLUMNS, accessRecordValues, type Database } from './tables.js';

export interface IngestorOptions {
  /** Distinct routes per environment in the store before new ones go to `(overflow)`. */
  maxRoutes: number;
  /** Write one access record per request. */
  accessRecords: boolean;
  /** Access records older than this (ms, by request time) are deleted; null keeps them. */
  accessRecordsRetention: number | null;
  /** How long (ms) a counted message id is remembered, for deduplication. */
  dedupWindow: number;
  /** How the server tells which ids an insert added (the dialect's `claimMethod`). */
  claimMethod: ClaimMethod;
}

const TRANSIENT_RETRIES = 5;
const LAST_ACCESSED_PRECISION_MS = 60_000;

const AGGREGATE_COLUMNS: readonly BulkColumn[] = [
  ['route_id', 'bigint'],
  ['bucket', 'bigint'],
  ['count', 'bigint'],
  ['time_sum', 'double precision'],
  ['time_min', 'double precision'],
  ['time_max', 'double precision'],
  ['query_count_sum', 'bigint'],
  ['query_count_max', 'integer'],
  ['query_time_sum', 'double precision'],
  ['query_time_max', 'double precision'],
  ['memory_sum', 'double precision'],
  ['memory_max', 'double precision'],
];
/** How each aggregate column merges with the stored row. */
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

/** The batch's hot statements, compiled once per store (see bulk-insert.ts). */
interface Statements {
  routes: BulkInsert;
  aggregates: BulkInsert;
  status_counts: BulkInsert;
  histogram: BulkInsert;
  /** Access records, skipping request ids already stored. */
  records: BulkInsert;
  /** The same, telling the request ids it added: the ledger when access records are it. */
  recordClaims: ClaimInsert;
  /** The ledger: adds message ids, skipping those in it, telling those it added. */
  messageClaims: ClaimInsert;
}

/**
 * Turns a batch of request metrics into route upserts, aggregate upserts and access records, all in one
 * transaction of multi-row statements. Every recording mode ends here; synchronous mode is a batch of one.
 */
export class Ingestor {
  readonly #routeIds = new Map<string, number>();
  /** First and last times of each route as this process last wrote them. */
  readonly #writtenTimes = new Map<string, { firstSeenAt: number; lastAccessedAt: number }>();
  readonly #admission: RouteAdmission;
  readonly #statements: Statements;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly options: IngestorOptions,
  ) {
    this.#statements = compileStatements(db, dialect, options.claimMethod);
    this.#admission = new RouteAdmission(dialect, options.maxRoutes);
  }

  async ingest(batch: readonly RequestMetrics[], options: IngestOptions = {}): Promise<IngestSummary> {
    if (batch.length === 0) return { requests: 0, duplicates: 0, routes: 0, rows: 0 };
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.transaction().execute(async (trx) => {
          const { admitted, routes, admission } = await this.#admitRoutes(trx, batch);
          const written = await this.#write(trx, admitted, routes, admission, options.dedupe ?? false);
          await options.inTransaction?.(trx.withoutPlugins());
          return { ...written, admission };
        });
        // What is learnt inside a transaction is only true once it has committed.
        for (const [key, id] of result.newRouteIds) this.#routeIds.set(key, id);
        if (result.admission) this.#admission.committed(result.admission);
        this.#wrote(result.writtenRoutes);
        return {
          requests: batch.length,
          duplicates: batch.length - result.fresh,
          routes: result.routes,
          rows: result.rows,
        };
      } catch (error) {
        if (attempt >= TRANSIENT_RETRIES || this.dialect.classifyError(error) !== 'overloaded') throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }

  /**
   * The batch with the requests to new routes past `maxRoutes` moved to `(overflow)` of their method, so
   * that a scan of random URLs cannot grow the tables without bound; and its routes. Only routes this
   * process has no id for are looked at (see RouteAdmission).
   */
  async #admitRoutes(trx: Transaction<Database>, batch: readonly RequestMetrics[]) {
    const routes = planRoutes(batch);
    const unknown = routes.filter((row) => !this.#routeIds.has(row.key));
    if (unknown.length === 0) return { admitted: batch, routes, admission: undefined };
    const admission = await this.#admission.admit(trx, unknown, (key) => this.#routeIds.has(key));
    if (admission.overflowed.size === 0) return { admitted: batch, routes, admission };
    const admitted = batch.map((m) =>
      admission.overflowed.has(routeKey(m.environment, m.method, m.route))
        ? { ...m, route: OVERFLOW_ROUTE }
        : m,
    );
    return { admitted, routes: planRoutes(admitted), admission };
  }

  /**
   * Routes first (access records need their ids), then the requests not counted before — told by the
   * ledger, or by the access records' unique request id (see #byLedger) — then what those add
   * to the aggregates, status counts and histogram.
   */
  async #write(
    trx: Transaction<Database>,
    batch: readonly RequestMetrics[],
    routes: readonly RouteRow[],
    admission: Admission | undefined,
    dedupe: boolean,
  ) {
    const { newRouteIds, writtenRoutes } = await this.#upsertRoutes(trx, routes, admission?.ids);
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
        statements.messageClaims.run(trx, firsts, (m) => [m.id, now]),
      );
      const recorded = await this.#firstTimeOnly(viaRecords, (firsts) =>
        statements.recordClaims.run(trx, firsts, recordValues),
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
    insert: (firsts: RequestMetrics[]) => Promise<Set<string>>,
  ): Promise<RequestMetrics[]> {
    if (batch.length === 0) return [];
    const seen = new Set<string>();
    const firsts = batch.filter((m) => !seen.has(m.id) && seen.add(m.id));
    const added = await insert(firsts);
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

  /**
   * Upserts the batch's routes that need it; returns them, and the ids of routes not cached yet (`found`
   * holds those the transaction read already).
   */
  async #upsertRoutes(
    trx: Transaction<Database>,
    routes: readonly RouteRow[],
    found = new Map<string, number>(),
  ) {
    const stale = routes.filter((row) => this.#isStale(row));
    await this.#statements.routes.run(trx, stale, (row) => [
      row.environment,
      row.method,
      row.route,
      row.firstSeenAt,
      row.lastAccessedAt,
    ]);

    const newRouteIds = new Map(found);
    const byEnvironment = new Map<string, string[]>();
    for (const row of routes) {
      if (this.#routeIds.has(row.key) || found.has(row.key)) continue;
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
}

/**
 * Each hot statement, compiled once for the dialect with the store's table prefix. The column order here
 * is the order of the values the Ingestor passes to `run`.
 */
function compileStatements(
  db: Kysely<Database>,
  dialect: StoreDialect,
  claimMethod: ClaimMethod,
): Statements {
  const bulk = (table: keyof Database, columns: readonly BulkColumn[], finish: FinishInsert) =>
    dialect.bulkInsert(db, table, columns, finish);
  const counter = (table: 'status_counts' | 'histogram', slot: 'status_code' | 'bin') =>
    bulk(
      table,
      [
        ['route_id', 'bigint'],
        ['bucket', 'bigint'],
        [slot, 'integer'],
        ['count', 'bigint'],
      ],
      (insert) => dialect.upsert(insert, table, ['route_id', 'bucket', slot], { count: 'add' }),
    );
  return {
    routes: bulk(
      'routes',
      [
        ['environment', 'text'],
        ['method', 'text'],
        ['route', 'text'],
        ['first_seen_at', 'bigint'],
        ['last_accessed_at', 'bigint'],
      ],
      (insert) =>
        dialect.upsert(insert, 'routes', ['environment', 'method', 'route'], {
          first_seen_at: 'min',
          last_accessed_at: 'max',
        }),
    ),
    aggregates: bulk('aggregates', AGGREGATE_COLUMNS, (insert) =>
      dialect.upsert(insert, 'aggregates', ['route_id', 'bucket'], AGGREGATE_MERGE),
    ),
    status_counts: counter('status_counts', 'status_code'),
    histogram: counter('histogram', 'bin'),
    records: bulk('access_records', ACCESS_RECORD_COLUMNS, (insert) =>
      dialect.insertIgnoringDuplicates(insert, ['request_id']),
    ),
    recordClaims: claimInsert(
      claimMethod,
      dialect,
      db,
      'access_records',
      ACCESS_RECORD_COLUMNS,
      'request_id',
    ),
    messageClaims: claimInsert(
      claimMethod,
      dialect,
      db,
      'processed_messages',
      [
        ['message_id', 'text'],
        ['processed_at', 'bigint'],
      ],
      'message_id',
    ),
  };
}
