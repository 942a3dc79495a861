import type { Transaction } from 'kysely';
import { addTotals, TOTALS_MERGE } from './bucket-totals.js';
import type { StoreDialect } from './dialects/index.js';
import { encodeBins } from './histogram-blob.js';
import { PERCENTILE_BINS_MERGE, percentileBinsOf } from './percentile-bins.js';
import type { KeptFrom } from './read-plan.js';
import { type BucketTotals, type Database, RESOLUTIONS, type Resolution } from './tables.js';

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
  readonly #targets = new Map<string, RollupTarget>();

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
    this.#targets.set(`${resolution}:${routeId}:${bucket}`, created);
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
    const key = `${resolution}:${routeId}:${bucket}`;
    const target = this.#targets.get(key);
    this.#targets.delete(key);
    return target;
  }

  addCount(routeId: number, minute: number, kind: 'statuses' | 'bins', slot: number, count: number) {
    for (const [resolution, bucket] of this.#bucketsOf(minute)) {
      const target = this.get(resolution, routeId, bucket);
      if (target) addCount(target[kind], slot, count);
    }
  }

  get(resolution: Resolution, routeId: number, bucket: number) {
    return this.#targets.get(`${resolution}:${routeId}:${bucket}`);
  }

  values() {
    return this.#targets.values();
  }

  byResolution(): Map<Resolution, RollupTarget[]> {
    const grouped = new Map<Resolution, RollupTarget[]>();
    for (const target of this.#targets.values()) {
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

/** The columns of a `rollups` row: its key, its totals, its histogram and its percentile bins. */
const ROLLUP_COLUMNS = 3 + Object.keys(TOTALS_MERGE).length + 1 + Object.keys(PERCENTILE_BINS_MERGE).length;

/**
 * Upserts the targets into `rollups` and `rollup_statuses`: totals and status counts add to a stored row,
 * the histogram replaces it (a target holds the stored bins already), the percentile bins follow it.
 */
export async function writeTargets(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  targets: RollupTargets,
): Promise<void> {
  const all = [...targets.values()];
  const rowsPerStatement = (columns: number) => Math.floor(dialect.maxParameters / columns);
  const rollupRows = all.map((target) => ({
    route_id: target.routeId,
    resolution: target.resolution,
    bucket: target.bucket,
    ...target.totals,
    latency_bins: encodeBins(target.bins),
    ...percentileBinsOf(target.bins),
  }));
  const merge = { ...TOTALS_MERGE, latency_bins: 'replace', ...PERCENTILE_BINS_MERGE } as const;
  for (const rows of chunks(rollupRows, rowsPerStatement(ROLLUP_COLUMNS))) {
    const insert = trx.insertInto('rollups').values(rows);
    await dialect.upsert(insert, 'rollups', ['resolution', 'bucket', 'route_id'], merge).execute();
  }
  const statusRows = all.flatMap((target) =>
    [...target.statuses].map(([status_code, count]) => ({
      route_id: target.routeId,
      resolution: target.resolution,
      bucket: target.bucket,
      status_code,
      count,
    })),
  );
  for (const rows of chunks(statusRows, rowsPerStatement(5))) {
    const insert = trx.insertInto('rollup_statuses').values(rows);
    const key = ['resolution', 'bucket', 'route_id', 'status_code'];
    await dialect.upsert(insert, 'rollup_statuses', key, { count: 'add' }).execute();
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
