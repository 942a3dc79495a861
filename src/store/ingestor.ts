import type { Kysely, Transaction } from 'kysely';
import { OVERFLOW_ROUTE, type RequestMetrics } from '../record/metrics.js';
import { AggregateUpserts } from './aggregate-upserts.js';
import { planBatch, planRoutes, type RouteRow, routeKey } from './batch-plan.js';
import type { StoreDialect } from './dialects/index.js';
import { Ledger, type LedgerOptions } from './ledger.js';
import { type Admission, RouteAdmission } from './route-admission.js';
import { RouteUpserts } from './route-upserts.js';
import type { IngestOptions, IngestSummary } from './sink.js';
import { accessRecordValues, type Database } from './tables.js';
import { transact } from './transact.js';

export interface IngestorOptions extends LedgerOptions {
  /** Distinct routes per environment in the store before new ones go to `(overflow)`. */
  maxRoutes: number;
  /** A request running one SQL shape more than this many times is an N+1 of its route. */
  nPlusOneThreshold: number;
}

/**
 * Turns a batch of request metrics into route upserts, aggregate upserts and access records, all in one
 * transaction of multi-row statements. Every recording mode ends here; synchronous mode is a batch of one.
 */
export class Ingestor {
  readonly #routes: RouteUpserts;
  readonly #admission: RouteAdmission;
  readonly #ledger: Ledger;
  readonly #aggregates: AggregateUpserts;
  readonly #nPlusOneThreshold: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    options: IngestorOptions,
  ) {
    this.#routes = new RouteUpserts(db, dialect);
    this.#admission = new RouteAdmission(dialect, options.maxRoutes);
    this.#ledger = new Ledger(db, dialect, options);
    this.#aggregates = new AggregateUpserts(db, dialect);
    this.#nPlusOneThreshold = options.nPlusOneThreshold;
  }

  async ingest(batch: readonly RequestMetrics[], options: IngestOptions = {}): Promise<IngestSummary> {
    if (batch.length === 0) return { requests: 0, duplicates: 0, routes: 0, rows: 0 };
    const result = await transact(this.db, this.dialect, async (trx) => {
      const { admitted, routes, admission } = await this.#admitRoutes(trx, batch);
      const written = await this.#write(trx, admitted, routes, admission, options.dedupe ?? false);
      await options.inTransaction?.(trx.withoutPlugins());
      return { ...written, admission };
    });
    // What is learnt inside a transaction is only true once it has committed.
    this.#routes.committed(result.routeUpsert);
    if (result.admission) this.#admission.committed(result.admission);
    return {
      requests: batch.length,
      duplicates: batch.length - result.fresh,
      routes: result.routes,
      rows: result.rows,
    };
  }

  /**
   * The batch with the requests to new routes past `maxRoutes` moved to `(overflow)` of their method, so
   * that a scan of random URLs cannot grow the tables without bound; and its routes. Only routes this
   * process has no id for are looked at (see RouteAdmission).
   */
  async #admitRoutes(trx: Transaction<Database>, batch: readonly RequestMetrics[]) {
    const routes = planRoutes(batch);
    const known = (key: string) => this.#routes.idOf(key) !== undefined;
    const unknown = routes.filter((row) => !known(row.key));
    if (unknown.length === 0) return { admitted: batch, routes, admission: undefined };
    const admission = await this.#admission.admit(trx, unknown, known);
    if (admission.overflowed.size === 0) return { admitted: batch, routes, admission };
    const admitted = batch.map((m) =>
      admission.overflowed.has(routeKey(m.environment, m.method, m.route))
        ? { ...m, route: OVERFLOW_ROUTE }
        : m,
    );
    return { admitted, routes: planRoutes(admitted), admission };
  }

  /**
   * Routes first (access records need their ids), then the requests not counted before (see Ledger), then
   * what those add to the aggregates, status counts and histogram.
   */
  async #write(
    trx: Transaction<Database>,
    batch: readonly RequestMetrics[],
    routes: readonly RouteRow[],
    admission: Admission | undefined,
    dedupe: boolean,
  ) {
    const routeUpsert = await this.#routes.upsert(trx, routes, admission?.ids);
    const id = (key: string) => this.#routes.idOf(key) ?? routeUpsert.newRouteIds.get(key)!;
    const recordValues = (m: RequestMetrics) =>
      accessRecordValues(m, id(routeKey(m.environment, m.method, m.route)));
    const { fresh, records } = await this.#ledger.fresh(trx, batch, recordValues, dedupe);
    const counted = await this.#aggregates.run(trx, planBatch(fresh, this.#nPlusOneThreshold), id);
    return {
      fresh: fresh.length,
      routes: routes.length,
      rows: routeUpsert.written.length + counted + records,
      routeUpsert,
    };
  }
}
