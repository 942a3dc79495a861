/**
 * A mergeable log-bucketed latency histogram (the DDSketch idea): a value v falls in bin
 * ceil(log_γ v) with γ = (1 + α) / (1 - α); any quantile read back from merged bins is within α of the
 * true value of that rank. Bins are plain counters, so windows merge with SUM in SQL.
 */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Smallest duration told apart (ms); anything shorter shares its bin. */
const MIN_VALUE = 1e-3;

export function binOf(valueMs: number): number {
  return Math.ceil(Math.log(Math.max(valueMs, MIN_VALUE)) / LOG_GAMMA);
}

/** The value a bin stands for: the point with equal relative distance to both of its edges. */
export function valueOfBin(bin: number): number {
  return (2 * GAMMA ** bin) / (GAMMA + 1);
}

/** The request times a bin holds: above `from`, up to and including `to` (ms). */
export function binEdges(bin: number): { from: number; to: number } {
  return { from: GAMMA ** (bin - 1), to: GAMMA ** bin };
}

export interface BinCount {
  bin: number;
  count: number;
}

/** The percentiles kept per rolled-up bucket and offered as sort keys, with their quantile. */
export const PERCENTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;
export type PercentileKey = keyof typeof PERCENTILES;
export const isPercentileKey = (key: string): key is PercentileKey => Object.hasOwn(PERCENTILES, key);

/**
 * The bin of each quantile q of the binned values: the bin holding the nearest-rank value, the one at rank
 * ceil(q·n) counted from 1 (the smallest value with at least q of the values at or below it, the
 * definition the tests check against); undefined for no values. `bins` in ascending order of bin.
 */
export function quantileBins<Q extends readonly number[]>(
  bins: readonly BinCount[],
  qs: Q,
): { [K in keyof Q]: number | undefined } {
  const total = bins.reduce((sum, entry) => sum + entry.count, 0);
  return qs.map((q) => {
    if (total === 0) return undefined;
    const rank = Math.max(0, Math.ceil(q * total) - 1);
    let seen = 0;
    for (const entry of bins) {
      seen += entry.count;
      if (seen > rank) return entry.bin;
    }
    return bins.at(-1)!.bin;
  }) as { [K in keyof Q]: number | undefined };
}

/**
 * Reads quantiles (ms) from bins: the value of each quantile's bin (see quantileBins), clamped to
 * [min, max]; 0 for no values.
 */
export function quantiles<Q extends readonly number[]>(
  bins: readonly BinCount[],
  qs: Q,
  bounds: { min: number; max: number },
): { [K in keyof Q]: number } {
  const sorted = [...bins].sort((a, b) => a.bin - b.bin);
  return quantileBins(sorted, qs).map((bin) =>
    bin === undefined ? 0 : Math.min(bounds.max, Math.max(bounds.min, valueOfBin(bin))),
  ) as { [K in keyof Q]: number };
}
