import type { Merge } from './dialects/dialect.js';
import { type BinCount, PERCENTILES, type PercentileKey, quantileBins } from './histogram.js';
import type { PercentileBins } from './tables.js';

/** The column of `rollups` that keeps a bucket's percentile `key` as a bin. */
export const percentileBinColumn = (key: PercentileKey) => `${key}_bin` as const;

/** How the rollup writes the percentile bins of a bucket it adds to: computed again from the whole bucket. */
export const PERCENTILE_BINS_MERGE: Readonly<Record<keyof PercentileBins, Merge>> = {
  p50_bin: 'replace',
  p90_bin: 'replace',
  p95_bin: 'replace',
  p99_bin: 'replace',
};

/** The percentile bins of a bucket's histogram (bin → count). */
export function percentileBinsOf(bins: ReadonlyMap<number, number>): PercentileBins {
  const { p50, p90, p95, p99 } = PERCENTILES;
  const found = quantileBins(sortedBins(bins), [p50, p90, p95, p99] as const);
  return {
    p50_bin: found[0] ?? null,
    p90_bin: found[1] ?? null,
    p95_bin: found[2] ?? null,
    p99_bin: found[3] ?? null,
  };
}

const sortedBins = (bins: ReadonlyMap<number, number>): BinCount[] =>
  [...bins]
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b)
    .map(([bin, count]) => ({ bin, count }));
