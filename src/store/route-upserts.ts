import type { Kysely, Transaction } from 'kysely';
import { type RouteRow, routeKey } from './batch-plan.js';
import type { BulkInsert } from './bulk-insert.js';
import type { StoreDialect } from './dialects/index.js';
import type { Database } from './tables.js';

/** A route row is rewritten once its `last_accessed_at` moves by this much (see #isStale). */
const LAST_ACCESSED_PRECISION_MS = 60_000;

/** What a transaction wrote of its routes, and the ids it read, to remember once it has committed. */
export interface RouteUpsert {
  /** Ids of the batch's routes this process had none for. */
  newRouteIds: Map<string, number>;
  /** The route rows written. */
  written: RouteRow[];
}

/**
 * The `routes` rows of the batches: upserted when their times move, and their ids, remembered for the life
 * of the process (routes are never removed).
 */
export class RouteUpserts {
  readonly #ids = new Map<string, number>();
  /** First and last times of each route as this process last wrote them. */
  readonly #writtenTimes = new Map<string, { firstSeenAt: number; lastAccessedAt: number }>();
  readonly #upsert: BulkInsert;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    this.#upsert = dialect.bulkInsert(
      db,
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
    );
  }

  /** The id of a route this process knows, by its key (see routeKey). */
  idOf(key: string): number | undefined {
    return this.#ids.get(key);
  }

  /**
   * Upserts the batch's routes that need it, and reads the ids of the routes not known yet (`found`
   * holds those the transaction read already).
   */
  async upsert(
    trx: Transaction<Database>,
    routes: readonly RouteRow[],
    found = new Map<string, number>(),
  ): Promise<RouteUpsert> {
    const stale = routes.filter((row) => this.#isStale(row));
    await this.#upsert.run(trx, stale, (row) => [
      row.environment,
      row.method,
      row.route,
      row.firstSeenAt,
      row.lastAccessedAt,
    ]);
    const newRouteIds = new Map(found);
    const byEnvironment = new Map<string, string[]>();
    for (const row of routes) {
      if (this.#ids.has(row.key) || found.has(row.key)) continue;
      byEnvironment.set(row.environment, [...(byEnvironment.get(row.environment) ?? []), row.route]);
    }
    for (const [environment, names] of byEnvironment) {
      const rows = await trx
        .selectFrom('routes')
        .select(['id', 'method', 'route'])
        .where('environment', '=', environment)
        .where('route', 'in', [...new Set(names)])
        .execute();
      for (const row of rows) newRouteIds.set(routeKey(environment, row.method, row.route), Number(row.id));
    }
    return { newRouteIds, written: stale };
  }

  /** Remembers what a committed transaction learnt. */
  committed({ newRouteIds, written }: RouteUpsert): void {
    for (const [key, id] of newRouteIds) this.#ids.set(key, id);
    for (const row of written) {
      const before = this.#writtenTimes.get(row.key);
      this.#writtenTimes.set(row.key, {
        firstSeenAt: Math.min(row.firstSeenAt, before?.firstSeenAt ?? row.firstSeenAt),
        lastAccessedAt: Math.max(row.lastAccessedAt, before?.lastAccessedAt ?? row.lastAccessedAt),
      });
    }
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
}
