import { addTotals } from './bucket-totals.js';
import type { KeptFrom } from './read-plan.js';
import { type BucketTotals, RESOLUTIONS, type Resolution } from './tables.js';

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
    for (const [resolution, bucket] of this.#bucketsOf(minute)) {
      const target = this.get(resolution, routeId, bucket);
      if (target) addTotals(target.totals, totals);
      else {
        this.#targets.set(`${resolution}:${routeId}:${bucket}`, {
          routeId,
          resolution,
          bucket,
          totals: { ...totals },
          statuses: new Map(),
          bins: new Map(),
        });
      }
    }
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
