import type { Kysely, Transaction } from 'kysely';
import { within } from './batch-plan.js';
import { addTotals, TOTAL_COLUMN_TYPES, TOTALS_MERGE } from './bucket-totals.js';
import type { BulkColumn, BulkInsert } from './bulk-insert.js';
import type { StoreDialect } from './dialects/index.js';
import { encodeBins } from './histogram-blob.js';
import { PERCENTILE_BINS_MERGE, percentileBinsOf } from './percentile-bins.js';
import type { KeptFrom } from './read-plan.js';
import {
  type BucketTotals,
  type Database,
  type PercentileBins,
  RESOLUTIONS,
  type Resolution,
} from './tables.js';

/** A rolled-up bucket being written: what the moved minutes add to it. */
export interface RollupTarget {
  routeId: number;
  resolution: Resolution;
  bucket: number;
  totals: BucketTotals;
  statuses: Map<number, number>;
  bins: Map<number, number>;
}

/** The rolled-up buckets one fold writes, each minute counted into its bucket of every resolution. */
export class RollupTargets {
  /** By resolution, route and bucket: numbers as keys, where one string per lookup would be garbage. */
  readonly #targets = new Map<number, Map<number, Map<number, RollupTarget>>>();

  constructor(private readonly keptFrom: KeptFrom) {}

  /** Adds a minute's totals to its buckets; they come first, so they create the buckets. */
  addTotals(routeId: number, minute: number, totals: BucketTotals) {
    for (const [resolution, bucket] of this.#bucketsOf(minute))
      this.addToBucket(resolution, routeId, bucket, totals);
  }

  /**
   * Adds a stored bucket's totals to the target of that one bucket (not its coarser ones), created when
   * missing; returns it, for its statuses and bins.
   */
  addToBucket(resolution: Resolution, routeId: number, bucket: number, totals: BucketTotals): RollupTarget {
    const target = this.get(resolution, routeId, bucket);
    if (target) {
      addTotals(target.totals, totals);
      return target;
    }
    const created = {
      routeId,
      resolution,
      bucket,
      totals: { ...totals },
      statuses: new Map(),
      bins: new Map(),
    };
    within(within(this.#targets, resolution, Map), routeId, Map).set(bucket, created);
    return created;
  }

  /** Adds a whole target (totals, statuses, bins) to the target of its bucket. */
  addTarget(part: RollupTarget) {
    const target = this.addToBucket(part.resolution, part.routeId, part.bucket, part.totals);
    for (const [status, count] of part.statuses) addCount(target.statuses, status, count);
    for (const [bin, count] of part.bins) addCount(target.bins, bin, count);
  }

  /** Removes the target of a bucket and returns it; undefined when there is none. */
  take(resolution: Resolution, routeId: number, bucket: number): RollupTarget | undefined {
    const buckets = this.#targets.get(resolution)?.get(routeId);
    const target = buckets?.get(bucket);
    buckets?.delete(bucket);
    return target;
  }

  addCount(routeId: number, minute: number, kind: 'statuses' | 'bins', slot: number, count: number) {
    for (const [resolution, bucket] of this.#bucketsOf(minute)) {
      const target = this.get(resolution, routeId, bucket);
      if (target) addCount(target[kind], slot, count);
    }
  }

  get(resolution: Resolution, routeId: number, bucket: number) {
    return this.#targets.get(resolution)?.get(routeId)?.get(bucket);
  }

  *values(): Generator<RollupTarget> {
    for (const routes of this.#targets.values())
      for (const buckets of routes.values()) yield* buckets.values();
  }

  byResolution(): Map<Resolution, RollupTarget[]> {
    const grouped = new Map<Resolution, RollupTarget[]>();
    for (const target of this.values()) {
      const same = grouped.get(target.resolution);
      if (same) same.push(target);
      else grouped.set(target.resolution, [target]);
    }
    return grouped;
  }

  /** The bucket of each resolution holding `minute`, but those already deleted by retention. */
  *#bucketsOf(minute: number): Generator<[Resolution, number]> {
    for (const resolution of RESOLUTIONS) {
      const bucket = minute - (minute % resolution);
      if (bucket >= this.keptFrom[resolution]) yield [resolution, bucket];
    }
  }
}

export function addCount(counts: Map<number, number>, slot: number, count: number) {
  counts.set(slot, (counts.get(slot) ?? 0) + count);
}

const PERCENTILE_COLUMNS = Object.keys(PERCENTILE_BINS_MERGE) as (keyof PercentileBins)[];

/** The columns of a `rollups` row, in the order RollupWriter passes them: key, totals, histogram, percentiles. */
const ROLLUP_COLUMNS: readonly BulkColumn[] = [
  ['route_id', 'bigint'],
  ['resolution', 'bigint'],
  ['bucket', 'bigint'],
  ...TOTAL_COLUMN_TYPES,
  ['latency_bins', 'bytea'],
  ...PERCENTILE_COLUMNS.map((column): BulkColumn => [column, 'integer']),
];
const STATUS_COLUMNS: readonly BulkColumn[] = [
  ['route_id', 'bigint'],
  ['resolution', 'bigint'],
  ['bucket', 'bigint'],
  ['status_code', 'integer'],
  ['count', 'bigint'],
];

/**
 * Upserts targets into `rollups` and `rollup_statuses` with statements compiled once: totals and status
 * counts add to a stored row, the histogram replaces it (a target holds the stored bins already), the
 * percentile bins follow it.
 */
export class RollupWriter {
  readonly #rollups: BulkInsert;
  readonly #statuses: BulkInsert;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    const merge = { ...TOTALS_MERGE, latency_bins: 'replace', ...PERCENTILE_BINS_MERGE } as const;
    this.#rollups = dialect.bulkInsert(db, 'rollups', ROLLUP_COLUMNS, (insert) =>
      dialect.upsert(insert, 'rollups', ['resolution', 'bucket', 'route_id'], merge),
    );
    this.#statuses = dialect.bulkInsert(db, 'rollup_statuses', STATUS_COLUMNS, (insert) =>
      dialect.upsert(insert, 'rollup_statuses', ['resolution', 'bucket', 'route_id', 'status_code'], {
        count: 'add',
      }),
    );
  }

  async write(trx: Transaction<Database>, targets: RollupTargets): Promise<void> {
    const all = [...targets.values()];
    await this.#rollups.run(trx, all, (target) => {
      const bins = encodeBins(target.bins);
      const percentiles = percentileBinsOf(target.bins);
      return [
        target.routeId,
        target.resolution,
        target.bucket,
        ...TOTAL_COLUMN_TYPES.map(([column]) => target.totals[column]),
        Buffer.from(bins.buffer, bins.byteOffset, bins.byteLength),
        ...PERCENTILE_COLUMNS.map((column) => percentiles[column]),
      ];
    });
    const statuses = all.flatMap((target) =>
      [...target.statuses].map(([status, count]) => [
        target.routeId,
        target.resolution,
        target.bucket,
        status,
        count,
      ]),
    );
    await this.#statuses.run(trx, statuses, (row) => row);
  }
}
