import type { Kysely } from 'kysely';
import { type AccessRecordsQuery, matchingAccessRecords } from './access-record-reads.js';
import { DELETE_BATCH, deleteInBatches } from './batched-delete.js';
import type { StoreDialect } from './dialects/index.js';
import { findTotals, setValidFrom, TOTALS_METHOD } from './environment-totals.js';
import { lockBuckets } from './rollup.js';

export type { RouteIdentity } from './route-buckets.js';

import { BUCKET_TABLES, type RouteIdentity, requestsHeld } from './route-buckets.js';
import { type RenameOutcome, renameRoute } from './route-rename.js';
import type { Database } from './tables.js';
import type { TimeInput } from './time-window.js';
import { transact } from './transact.js';

/** What a reviewer says of a route: null where they say nothing. */
export interface RouteReview {
  reviewer: string | null;
  queriesImproved: boolean | null;
  timeImproved: boolean | null;
}

/** A route's review and when it was given. */
export interface ReviewState extends RouteReview {
  reviewedAt: Date;
}

const flag = (value: boolean | null) => (value === null ? null : value ? 1 : 0);

/**
 * What the dashboard's actions change: reviews, and deleting the data of routes and of access records.
 * Route rows themselves stay: every process keeps the ids of the routes it wrote (see RouteUpserts), so a
 * route deleted while an app still serves it comes back with its new requests, under the same id.
 */
export class RouteAdmin {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly defaultEnvironment: string,
  ) {}

  /** Sets a route's review, or with null resets it; false when there is no such route. */
  async review(identity: RouteIdentity, review: RouteReview | null, at = Date.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('routes')
      .set({
        reviewed_at: review ? at : null,
        reviewed_by: review?.reviewer ?? null,
        queries_improved: review ? flag(review.queriesImproved) : null,
        time_improved: review ? flag(review.timeImproved) : null,
      })
      .where('environment', '=', identity.environment ?? this.defaultEnvironment)
      .where('method', '=', identity.method.toUpperCase())
      .where('route', '=', identity.route)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Whether the route was ever recorded: deleting its data leaves the route known. */
  async routeExists(identity: RouteIdentity): Promise<boolean> {
    const row = await this.db
      .selectFrom('routes')
      .select('id')
      .where('environment', '=', identity.environment ?? this.defaultEnvironment)
      .where('method', '=', identity.method.toUpperCase())
      .where('route', '=', identity.route)
      .where('method', '!=', TOTALS_METHOD)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes everything recorded of one route (and its review); returns how many requests it held. */
  async deleteRoute(identity: RouteIdentity): Promise<number> {
    const environment = identity.environment ?? this.defaultEnvironment;
    const ids = await this.db
      .selectFrom('routes')
      .select('id')
      .where('environment', '=', environment)
      .where('method', '=', identity.method.toUpperCase())
      .where('route', '=', identity.route)
      .where('method', '!=', TOTALS_METHOD)
      .execute();
    // The environment's totals still hold the route's requests: whole-environment reads sum the routes.
    return this.#deleteData(
      environment,
      ids.map((row) => Number(row.id)),
      'never',
    );
  }

  /**
   * Moves everything recorded of route `from` (buckets, access records, review) to the template `to` of the
   * same environment; see renameRoute.
   */
  renameRoute(from: RouteIdentity, to: Omit<RouteIdentity, 'environment'>): Promise<RenameOutcome> {
    return renameRoute(
      this.db,
      this.dialect,
      { ...from, environment: from.environment ?? this.defaultEnvironment },
      to,
    );
  }

  /** Deletes everything recorded in an environment; returns how many requests it held. */
  async clearEnvironment(environment: string): Promise<number> {
    const ids = await this.db
      .selectFrom('routes')
      .select('id')
      .where('environment', '=', environment)
      .where('method', '!=', TOTALS_METHOD)
      .execute();
    // Its totals go too, so they are the sums of its routes again from the start.
    return this.#deleteData(
      environment,
      ids.map((row) => Number(row.id)),
      0,
    );
  }

  /**
   * Deletes the access records older than `olderThan` (of one environment, or all), in batches; returns
   * how many. `onBatch` hears how many have gone so far after each batch.
   */
  async purgeAccessRecords(
    olderThan: TimeInput,
    environment?: string,
    onBatch?: (deleted: number) => void,
  ): Promise<number> {
    return this.deleteAccessRecords({ environment, until: olderThan }, environment === undefined, onBatch);
  }

  /** How many access records `purgeAccessRecords` would delete now. */
  async countAccessRecordsOlderThan(olderThan: TimeInput, environment?: string): Promise<number> {
    const { count } = await matchingAccessRecords(this.db, environment, { environment, until: olderThan })
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Deletes the access records matching the query's filters (not its sort or paging); returns how many. */
  async deleteAccessRecords(
    query: AccessRecordsQuery,
    everyEnvironment = false,
    onBatch?: (deleted: number) => void,
  ): Promise<number> {
    const environment = everyEnvironment ? undefined : (query.environment ?? this.defaultEnvironment);
    return deleteInBatches(
      this.db,
      'access_records',
      () =>
        matchingAccessRecords(this.db, environment, query).select('access_records.id').limit(DELETE_BATCH),
      onBatch,
    );
  }

  /**
   * Deletes the buckets of the routes in one transaction that holds the rollup's lock (a rollup could
   * otherwise write back a bucket it read before), then their access records in batches, and resets
   * their reviews.
   */
  async #deleteData(environment: string, routeIds: number[], totalsFrom: 0 | 'never'): Promise<number> {
    if (routeIds.length === 0) return 0;
    const requests = await transact(this.db, this.dialect, async (trx) => {
      await lockBuckets(trx, this.dialect);
      const totalsId = (await findTotals(trx, [environment])).get(environment);
      if (totalsId !== undefined) {
        if (totalsFrom === 0) {
          for (const table of BUCKET_TABLES)
            await trx.deleteFrom(table).where('route_id', '=', totalsId).execute();
        }
        await setValidFrom(trx, this.dialect, totalsId, totalsFrom);
      }
      const requests = await requestsHeld(trx, routeIds);
      for (const table of BUCKET_TABLES)
        await trx.deleteFrom(table).where('route_id', 'in', routeIds).execute();
      return requests;
    });
    await deleteInBatches(this.db, 'access_records', () =>
      this.db.selectFrom('access_records').select('id').where('route_id', 'in', routeIds).limit(DELETE_BATCH),
    );
    await this.db
      .updateTable('routes')
      .set({ reviewed_at: null, reviewed_by: null, queries_improved: null, time_improved: null })
      .where('id', 'in', routeIds)
      .execute();
    return requests;
  }
}
