import type { Kysely, Transaction } from 'kysely';
import { totalsOf as bucketTotals } from './bucket-totals.js';
import type { StoreDialect } from './dialects/index.js';
import { totalsIdsOf } from './environment-totals.js';
import { decodeBins } from './histogram-blob.js';
import type { KeptFrom } from './read-plan.js';
import { addCount, RollupTargets, RollupWriter } from './rollup-targets.js';
import {
  BUCKET_MS,
  DAY_MS,
  type Database,
  HOUR_MS,
  QUARTER_DAY_MS,
  RESOLUTIONS,
  type Resolution,
  WEEK_MS,
} from './tables.js';
import { transact } from './transact.js';

/** How long (ms) each resolution's rolled-up buckets are kept; null keeps them for ever. */
export interface Retention {
  minutes: number | null;
  hours: number | null;
  days: number | null;
}

/** What one run of the rollup did. */
export interface RollupResult {
  /** Minute buckets moved out of `aggregates` into the rolled-up resolutions. */
  folded: number;
  /** Requests those buckets held. */
  requests: number;
  /** Rolled-up buckets deleted because their resolution's retention had passed. */
  expired: number;
}

/** Rows of `control`: bumped by every change of the rolled-up rows, so a read can tell it straddled one. */
const GENERATION = 'rollup_generation';
/** Rows of `control`: from when on each resolution is still kept (see KeptFrom). */
const KEPT_FROM: Record<Resolution, string> = {
  [BUCKET_MS]: 'rollup_minutes_from',
  [HOUR_MS]: 'rollup_hours_from',
  [QUARTER_DAY_MS]: 'rollup_quarter_days_from',
  [DAY_MS]: 'rollup_days_from',
  [WEEK_MS]: 'rollup_weeks_from',
};
/** Minute buckets folded per transaction: small transactions, short locks. */
const FOLD_CHUNK = 500;
/** Rolled-up buckets are deleted this many bucket widths at a time, one transaction each. */
const EXPIRY_SPAN = 10;

/** The generation of the rolled-up rows and what each resolution keeps, as one read sees them. */
export async function rollupState(db: Kysely<Database>): Promise<{ generation: number; keptFrom: KeptFrom }> {
  const rows = await db
    .selectFrom('control')
    .select(['name', 'value'])
    .where('name', 'in', [GENERATION, ...Object.values(KEPT_FROM)])
    .execute();
  const value = (name: string) => Number(rows.find((row) => row.name === name)?.value ?? 0);
  return {
    generation: value(GENERATION),
    keptFrom: Object.fromEntries(RESOLUTIONS.map((r) => [r, value(KEPT_FROM[r])])) as KeptFrom,
  };
}

/**
 * Takes the lock of everything that changes stored buckets other than ingestion (the rollup, deletions)
 * until the transaction ends, and bumps the generation, so that reads overlapping the change read again.
 * Taken first in a transaction: on MySQL, before the first plain read fixes its snapshot.
 */
export async function lockBuckets(trx: Transaction<Database>, dialect: StoreDialect): Promise<void> {
  const bump = trx.insertInto('control').values({ name: GENERATION, value: 1 });
  await dialect.upsert(bump, 'control', ['name'], { value: 'add' }).execute();
}

/** The rollup moves the minutes before this one (of `now`): those before the previous minute. */
export function foldedBefore(now: number): number {
  return now - (now % BUCKET_MS) - BUCKET_MS;
}

/** A read that locks the rows it returns until the transaction ends; SQLite's transactions lock it all. */
export function lockingRead<Q extends { forUpdate(): Q }>(dialect: StoreDialect, query: Q): Q {
  return dialect.name === 'sqlite' ? query : query.forUpdate();
}

/**
 * Keeps the stored buckets few. Ingestion adds each request to its minute in `aggregates`, `status_counts`
 * and `histogram`; the rollup moves the minutes that are over (all but the current and the previous one)
 * into `rollups` and `rollup_statuses` at every resolution at once, and deletes them from
 * where ingestion writes. Then it deletes the rolled-up buckets older than their resolution's retention.
 *
 * Each step is one small transaction that first takes the `control` row GENERATION, so rollups never run
 * two at a time whatever the number of processes; the rows it moves are read with locks (FOR UPDATE), so
 * that an ingestion adding to one of them waits for the move and then starts a new minute row, which the
 * next run moves. A run stopped half way has moved whole transactions only: run again, it finds the rest.
 */
export class Rollup {
  /** Writes rolled-up buckets: the rebuild writes through it too. */
  readonly writer: RollupWriter;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly retention: Retention,
  ) {
    this.writer = new RollupWriter(db, dialect);
  }

  /** Rolls up the minutes before the previous one (of `now`) and deletes what retention has passed. */
  async run(now = Date.now()): Promise<RollupResult> {
    const result: RollupResult = { folded: 0, requests: 0, expired: 0 };
    const cutoff = foldedBefore(now);
    while (await this.#hasMinutesBefore(cutoff)) {
      const { folded, requests } = await transact(this.db, this.dialect, (trx) => this.#fold(trx, cutoff));
      result.folded += folded;
      result.requests += requests;
      if (folded < FOLD_CHUNK) break;
    }
    for (const resolution of RESOLUTIONS) result.expired += await this.#expire(resolution, now);
    return result;
  }

  #hasMinutesBefore(cutoff: number) {
    return this.db
      .selectFrom('aggregates')
      .select('bucket')
      .where('bucket', '<', cutoff)
      .limit(1)
      .executeTakeFirst()
      .then((row) => row !== undefined);
  }

  /** Moves up to FOLD_CHUNK minute buckets before `cutoff` into the rolled-up resolutions. */
  async #fold(trx: Transaction<Database>, cutoff: number) {
    const { keptFrom } = await this.#lock(trx);
    const minutes = await lockingRead(
      this.dialect,
      trx
        .selectFrom('aggregates')
        .selectAll()
        .where('bucket', '<', cutoff)
        .orderBy('bucket')
        .orderBy('route_id')
        .limit(FOLD_CHUNK),
    ).execute();
    if (minutes.length === 0) return { folded: 0, requests: 0 };
    const keys = minutes.map((row) => [Number(row.route_id), Number(row.bucket)] as const);
    const statuses = await lockingRead(
      this.dialect,
      trx.selectFrom('status_counts').selectAll().where(this.dialect.inRouteBuckets(keys)),
    ).execute();
    const bins = await lockingRead(
      this.dialect,
      trx.selectFrom('histogram').selectAll().where(this.dialect.inRouteBuckets(keys)),
    ).execute();

    const countedFor = await this.#countedFor(trx, keys);
    const targets = new RollupTargets(keptFrom);
    // Each minute counts for its route and for its environment's totals (see environment-totals.ts).
    for (const row of minutes) {
      const routeId = Number(row.route_id);
      for (const id of countedFor(routeId)) targets.addTotals(id, Number(row.bucket), bucketTotals(row));
    }
    for (const [rows, kind, slot] of [
      [statuses, 'statuses', 'status_code'],
      [bins, 'bins', 'bin'],
    ] as const) {
      for (const row of rows as readonly Record<string, unknown>[]) {
        const routeId = Number(row.route_id);
        for (const id of countedFor(routeId)) {
          targets.addCount(id, Number(row.bucket), kind, Number(row[slot]), Number(row.count));
        }
      }
    }
    await this.#addStoredBins(trx, targets);
    await this.writer.write(trx, targets);
    for (const table of ['aggregates', 'status_counts', 'histogram'] as const) {
      await trx.deleteFrom(table).where(this.dialect.inRouteBuckets(keys)).execute();
    }
    return { folded: minutes.length, requests: minutes.reduce((sum, row) => sum + Number(row.count), 0) };
  }

  /** For each route of `keys`, the rows its buckets count for: its own, and its environment's totals. */
  async #countedFor(trx: Transaction<Database>, keys: readonly (readonly [number, number])[]) {
    const routeIds = [...new Set(keys.map(([routeId]) => routeId))];
    const routes = await trx
      .selectFrom('routes')
      .select(['id', 'environment'])
      .where('id', 'in', routeIds)
      .execute();
    const environmentOf = new Map(routes.map((row) => [Number(row.id), row.environment]));
    const totals = await totalsIdsOf(trx, this.dialect, [...new Set(environmentOf.values())]);
    // A route row is never removed, so every route has its environment; a stray bucket without one counts
    // for itself only.
    return (routeId: number) => {
      const environment = environmentOf.get(routeId);
      return environment === undefined ? [routeId] : [routeId, totals.get(environment)!];
    };
  }

  /** Takes the rollup's lock (bumping the generation) and reads what each resolution keeps. */
  async #lock(trx: Transaction<Database>) {
    await lockBuckets(trx, this.dialect);
    return rollupState(trx);
  }

  /**
   * The histograms already rolled up in the target buckets, added to what is moved into them. A fold moves
   * minutes in order, so each resolution's targets span a short run of buckets: read as a range of the
   * primary key (resolution, bucket, route_id), which every database walks without a plan to get wrong.
   */
  async #addStoredBins(trx: Transaction<Database>, targets: RollupTargets) {
    for (const [resolution, buckets] of targets.byResolution()) {
      const starts = buckets.map((target) => target.bucket);
      const stored = await trx
        .selectFrom('rollups')
        .select(['route_id', 'bucket', 'latency_bins'])
        .where('resolution', '=', resolution)
        .where('bucket', '>=', Math.min(...starts))
        .where('bucket', '<=', Math.max(...starts))
        .where('route_id', 'in', [...new Set(buckets.map((target) => target.routeId))])
        .execute();
      for (const row of stored) {
        const target = targets.get(resolution, Number(row.route_id), Number(row.bucket));
        if (target) decodeBins(row.latency_bins, (bin, count) => addCount(target.bins, bin, count));
      }
    }
  }

  /**
   * Deletes the buckets of `resolution` older than its retention, EXPIRY_SPAN buckets per transaction,
   * after recording from when on it is kept, so that reads stop asking for them first.
   */
  async #expire(resolution: Resolution, now: number): Promise<number> {
    const kept = this.#retentionOf(resolution);
    if (kept === null) return 0;
    // Each resolution goes in whole buckets of the next coarser one (minutes by the hour, hours by the
    // quarter day), so that a read can round to those.
    const boundary = RESOLUTIONS[Math.max(0, RESOLUTIONS.indexOf(resolution) - 1)]!;
    const cutoff = now - kept - ((now - kept) % boundary);
    if (!(await this.#expiresBefore(resolution, cutoff))) return 0;
    let expired = 0;
    for (;;) {
      const deleted = await transact(this.db, this.dialect, async (trx) => {
        await this.#lock(trx);
        const raise = trx.insertInto('control').values({ name: KEPT_FROM[resolution], value: cutoff });
        await this.dialect.upsert(raise, 'control', ['name'], { value: 'max' }).execute();
        const oldest = await trx
          .selectFrom('rollups')
          .select((eb) => eb.fn.min<number>('bucket').as('bucket'))
          .where('resolution', '=', resolution)
          .where('bucket', '<', cutoff)
          .executeTakeFirst();
        if (oldest?.bucket === null || oldest?.bucket === undefined) return 0;
        const to = Math.min(cutoff, Number(oldest.bucket) + EXPIRY_SPAN * resolution);
        await trx
          .deleteFrom('rollup_statuses')
          .where('resolution', '=', resolution)
          .where('bucket', '<', to)
          .execute();
        const result = await trx
          .deleteFrom('rollups')
          .where('resolution', '=', resolution)
          .where('bucket', '<', to)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
      if (deleted === 0) return expired;
      expired += deleted;
    }
  }

  /** Whether there are buckets of `resolution` to delete before `cutoff`, or the mark to move there. */
  async #expiresBefore(resolution: Resolution, cutoff: number) {
    const { keptFrom } = await rollupState(this.db);
    if (keptFrom[resolution] < cutoff) return true;
    const row = await this.db
      .selectFrom('rollups')
      .select('bucket')
      .where('resolution', '=', resolution)
      .where('bucket', '<', cutoff)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  #retentionOf(resolution: Resolution): number | null {
    if (resolution === BUCKET_MS) return this.retention.minutes;
    // Quarter days and weeks are indexes over hours and days for long reads: they go with them.
    if (resolution === HOUR_MS || resolution === QUARTER_DAY_MS) return this.retention.hours;
    return this.retention.days;
  }
}
