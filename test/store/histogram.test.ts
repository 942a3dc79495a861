import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binEdges,
  binOf,
  PERCENTILES,
  quantiles,
  RELATIVE_ACCURACY,
  valueOfBin,
} from '../../src/store/histogram.js';
import { percentileBinsOf } from '../../src/store/percentile-bins.js';
import { expectWithin, nearestRank } from './samples.js';

/** Durations from a microsecond to a day, in ms. */
const duration = fc.double({ min: 1e-3, max: 86_400_000, noNaN: true });
const PERCENTS = [50, 90, 95, 99] as const;

function binsOf(values: readonly number[]) {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(binOf(value), (counts.get(binOf(value)) ?? 0) + 1);
  return [...counts].map(([bin, count]) => ({ bin, count }));
}

describe('binOf and valueOfBin', () => {
  it('a bin stands for its values within the relative accuracy', () => {
    fc.assert(
      fc.property(duration, (value) => {
        expectWithin(valueOfBin(binOf(value)), value, RELATIVE_ACCURACY * (1 + 1e-9));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the order of values', () => {
    fc.assert(
      fc.property(duration, duration, (a, b) => {
        if (a <= b) expect(binOf(a)).toBeLessThanOrEqual(binOf(b));
        else expect(binOf(a)).toBeGreaterThanOrEqual(binOf(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('tells apart values more than twice the accuracy apart, and folds sub-microsecond ones', () => {
    expect(binOf(100 * (1 + 2.5 * RELATIVE_ACCURACY))).toBeGreaterThan(binOf(100));
    expect(binOf(1e-4)).toBe(binOf(1e-3));
    expect(binOf(0)).toBe(binOf(1e-3));
  });
});

describe('quantiles', () => {
  it('give 0 for no values and the exact value for one value', () => {
    expect(quantiles([], [0.5, 0.99] as const, { min: 0, max: 0 })).toEqual([0, 0]);
    expect(quantiles(binsOf([42.5]), [0.5, 0.99] as const, { min: 42.5, max: 42.5 })).toEqual([42.5, 42.5]);
  });

  it('take the value at rank ceil(q·n), whatever the order of the bins', () => {
    const bins = [...binsOf(Array(10).fill(1000)), ...binsOf(Array(90).fill(1))].reverse();
    const [p50, p90, p95] = quantiles(bins, [0.5, 0.9, 0.95] as const, { min: 1, max: 1000 });
    expect(p50).toBe(1);
    expect(p90).toBe(1);
    expect(p95).toBe(1000);
  });

  it('are within the relative accuracy of the exact nearest-rank percentiles', () => {
    fc.assert(
      fc.property(fc.array(duration, { minLength: 1, maxLength: 500 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const bounds = { min: sorted[0]!, max: sorted.at(-1)! };
        const found = quantiles(binsOf(values), [0.5, 0.9, 0.95, 0.99] as const, bounds);
        PERCENTS.forEach((percent, i) => {
          expectWithin(found[i]!, nearestRank(sorted, percent), RELATIVE_ACCURACY * (1 + 1e-9));
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('percentile bounds of merged buckets', () => {
  it("lie between the edges of the least and the greatest of the buckets' own percentile bins", () => {
    const buckets = fc.array(fc.array(duration, { minLength: 1, maxLength: 60 }), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(buckets, fc.constantFrom(...Object.values(PERCENTILES)), (parts, q) => {
        const own = parts.map((values) =>
          percentileBinsOf(new Map(binsOf(values).map((b) => [b.bin, b.count]))),
        );
        const key = `p${Math.round(q * 100)}_bin` as keyof (typeof own)[number];
        const partBins = own.map((bins) => bins[key]!);
        const all = parts.flat();
        const [merged] = quantiles(binsOf(all), [q] as const, {
          min: Math.min(...all),
          max: Math.max(...all),
        });
        expect(merged).toBeGreaterThanOrEqual(binEdges(Math.min(...partBins)).from);
        expect(merged).toBeLessThanOrEqual(binEdges(Math.max(...partBins)).to);
      }),
      { numRuns: 1000 },
    );
  });
});
