import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { expectWithin, MINUTE, metrics, nearestRank, T0 } from './samples.js';

const MIN_MS = 0.01;
const MAX_MS = 60_000;

/**
 * Request times as real ones look: log-normal around a median, from one value to 5,000, each clamped to
 * 0.01 ms .. 60 s (so the extremes repeat). A spread of 0 gives many equal values.
 */
const requestTimes = fc
  .record({
    median: fc.double({ min: 0.05, max: 5_000, noNaN: true }),
    spread: fc.double({ min: 0, max: 2.5, noNaN: true }),
    uniforms: fc.array(
      fc.tuple(fc.double({ min: 1e-9, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
      { minLength: 1, maxLength: 5_000, size: 'max' },
    ),
  })
  .map(({ median, spread, uniforms }) =>
    uniforms.map(([u, v]) => {
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.min(MAX_MS, Math.max(MIN_MS, median * Math.exp(spread * normal)));
    }),
  );

describeEachDatabase((database) => {
  const stores = useTestStores(database);
  const numRuns = database.name === 'sqlite' ? 200 : 10;

  it(`p50, p90, p95 and p99 are within 2% of the exact nearest-rank percentiles (${numRuns} samples)`, async () => {
    const store = stores.open();
    let sample = 0;
    await fc.assert(
      fc.asyncProperty(requestTimes, async (times) => {
        // Each sample is its own environment, spread over several minutes that the read merges.
        const environment = `sample-${sample++}`;
        await store.ingest(
          times.map((requestTime, i) => metrics({ environment, requestTime, ts: T0 + (i % 7) * MINUTE })),
        );
        const [route] = await store.routes({ environment });
        const sorted = [...times].sort((a, b) => a - b);
        expect(route!.count).toBe(times.length);
        expect(route!.requestTime.min).toBe(sorted[0]);
        expect(route!.requestTime.max).toBe(sorted.at(-1));
        for (const percent of [50, 90, 95, 99] as const) {
          expectWithin(route!.requestTime[`p${percent}`], nearestRank(sorted, percent), 0.02);
        }
      }),
      // Times that mysql2's own number parsing read back one unit in the last place away.
      { numRuns, examples: [[[971.9696991544487]], [[9.271926155560685, 12.5]]] },
    );
  });
});
