import type { Kysely, Transaction } from 'kysely';
import { OVERFLOW_ROUTE, type RequestMetrics, UNMATCHED_ROUTE } from '../core/metrics.js';
import { type BatchPlan, type CounterRow, planBatch, type RouteRow, routeKey } from './batch-plan.js';
import type { StoreDialect } from './dialects/index.js';
import type { Database } from './tables.js';

export interface IngestorOptions {
  /** Distinct routes per environment before new ones go to `(overflow)`. */
  maxRoutes: number;
  /** Write one access record per request. */
  accessRecords: boolean;
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

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly options: IngestorOptions,
  ) {}

  async ingest(batch: readonly RequestMetrics[], options: IngestOptions = {}): Promise<IngestSummary> {
    if (batch.length === 0) return { requests: 0, duplicates: 0, routes: 0, rows: 0 };
    const limited = await this.#applyRouteLimit(batch);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.transaction().execute(async (trx) => {
          const fresh = options.dedupe ? await this.#claimMessageIds(trx, limited) : limited;
          const plan = planBatch(fresh);
          const written = await this.#write(trx, plan);
          await options.inTransaction?.(trx);
          return { plan, fresh, ...written };
        });
        // Ids learnt inside a transaction are only true once it has committed.
        for (const [key, id] of result.newRouteIds) this.#routeIds.set(key, id);
        this.#wrote(result.writtenRoutes);
        return {
          requests: batch.length,
          duplicates: batch.length - result.fresh.length,
          routes: result.plan.routes.length,
          rows: result.rows,
        };
      } catch (error) {
        if (attempt >= TRANSIENT_RETRIES || !this.dialect.isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }

  async #write(trx: Transaction<Database>, plan: BatchPlan) {
    if (plan.routes.length === 0)
      return { rows: 0, newRouteIds: new Map<string, number>(), writtenRoutes: [] };
    const { newRouteIds, writtenRoutes } = await this.#upsertRoutes(trx, plan);
    const id = (key: string) => this.#routeIds.get(key) ?? newRouteIds.get(key)!;
    const { dialect } = this;

    await this.#chunked(plan.aggregates, 12, (chunk) =>
      dialect
        .upsert(
          trx.insertInto('aggregates').values(
            chunk.map((row) => ({
              route_id: id(row.key),
              bucket: row.bucket,
              count: row.count,
              time_sum: row.timeSum,
              time_min: row.timeMin,
              time_max: row.timeMax,
              query_count_sum: row.queryCountSum,
              query_count_max: row.queryCountMax,
              query_time_sum: row.queryTimeSum,
              query_time_max: row.queryTimeMax,
              memory_sum: row.memorySum,
              memory_max: row.memoryMax,
            })),
          ),
          'aggregates',
          ['route_id', 'bucket'],
          {
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
          },
        )
        .execute(),
    );
    await this.#upsertCounters(trx, 'status_counts', 'status_code', plan.statuses, id);
    await this.#upsertCounters(trx, 'histogram', 'bin', plan.bins, id);

    if (this.options.accessRecords) {
      await this.#chunked(plan.records, 11, (chunk) =>
        dialect
          .insertIgnoringDuplicates(
            trx.insertInto('access_records').values(
              chunk.map((m) => ({
                request_id: m.id,
                route_id: id(routeKey(m.environment, m.method, m.route)),
                created_at: m.ts,
                status_code: m.statusCode,
                request_time: m.requestTime,
                query_count: m.queryCount,
                query_time: m.queryTime,
                memory: m.memory,
                path: m.path ?? null,
                referer: m.referer ?? null,
                user_id: m.userId ?? null,
              })),
            ),
            ['request_id'],
          )
          .execute(),
      );
    }
    const records = this.options.accessRecords ? plan.records.length : 0;
    const rows =
      plan.routes.length + plan.aggregates.length + plan.statuses.length + plan.bins.length + records;
    return { rows, newRouteIds, writtenRoutes };
  }

  /**
   * Adds the batch's message ids to the ledger and keeps the metrics whose id was not there yet (and only
   * the first of an id repeated within the batch). One INSERT that skips existing ids and returns the ones
   * it added: a worker inserting the same id at the same moment waits for the other's commit and then
   * skips it, so a message stored by two workers at once still counts once.
   */
  async #claimMessageIds(trx: Transaction<Database>, batch: readonly RequestMetrics[]) {
    const ids = [...new Set(batch.map((m) => m.id))];
    const now = Date.now();
    const added = new Set<string>();
    await this.#chunked(ids, 2, async (chunk) => {
      const insert = this.dialect
        .insertIgnoringDuplicates(
          trx
            .insertInto('processed_messages')
            .values(chunk.map((id) => ({ message_id: id, processed_at: now }))),
          ['message_id'],
        )
        .returning('message_id');
      // Run as a plain query: Kysely's MySQL adapter hides RETURNING rows, which MariaDB does return.
      const { rows } = await trx.executeQuery(insert.compile());
      for (const row of rows) added.add(row.message_id);
    });
    return batch.filter((m) => added.delete(m.id));
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
  async #upsertRoutes(trx: Transaction<Database>, plan: BatchPlan) {
    const stale = plan.routes.filter((row) => this.#isStale(row));
    await this.#chunked(stale, 5, (chunk) =>
      this.dialect
        .upsert(
          trx.insertInto('routes').values(
            chunk.map((row) => ({
              environment: row.environment,
              method: row.method,
              route: row.route,
              first_seen_at: row.firstSeenAt,
              last_accessed_at: row.lastAccessedAt,
            })),
          ),
          'routes',
          ['environment', 'method', 'route'],
          { first_seen_at: 'min', last_accessed_at: 'max' },
        )
        .execute(),
    );

    const newRouteIds = new Map<string, number>();
    const byEnvironment = new Map<string, string[]>();
    for (const row of plan.routes) {
      if (this.#routeIds.has(row.key)) continue;
      byEnvironment.set(row.environment, [...(byEnvironment.get(row.environment) ?? []), row.route]);
    }
    for (const [environment, routes] of byEnvironment) {
      const found = await trx
        .selectFrom('routes')
        .select(['id', 'method', 'route'])
        .where('environment', '=', environment)
        .where('route', 'in', [...new Set(routes)])
        .execute();
      for (const row of found) newRouteIds.set(routeKey(environment, row.method, row.route), Number(row.id));
    }
    return { newRouteIds, writtenRoutes: stale };
  }

  #upsertCounters(
    trx: Transaction<Database>,
    table: 'status_counts' | 'histogram',
    slotColumn: 'status_code' | 'bin',
    rows: CounterRow[],
    id: (key: string) => number,
  ) {
    return this.#chunked(rows, 4, (chunk) =>
      this.dialect
        .upsert(
          trx.insertInto(table).values(
            chunk.map((row) => ({
              route_id: id(row.key),
              bucket: row.bucket,
              [slotColumn]: row.slot,
              count: row.count,
            })) as any,
          ),
          table,
          ['route_id', 'bucket', slotColumn],
          { count: 'add' },
        )
        .execute(),
    );
  }

  /** Runs `write` over slices of `rows` small enough for the dialect's parameter limit. */
  async #chunked<T>(rows: readonly T[], columns: number, write: (chunk: T[]) => Promise<unknown>) {
    const size = Math.max(1, Math.floor(this.dialect.maxParameters / columns));
    for (let start = 0; start < rows.length; start += size) await write(rows.slice(start, start + size));
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
