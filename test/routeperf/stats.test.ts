import { expect, it } from 'vitest';
import { sumStats } from '../../src/routeperf/stats.js';

it('adds up what each part counts, a number a part leaves out counting as 0', () => {
  const parts = [
    { stats: () => ({ recorded: 5 }) },
    { stats: () => ({ stored: 2, dropped: 1, queued: 1 }) },
    { stats: () => ({ sent: 2, dropped: 1, queued: 3 }) },
  ];
  expect(sumStats(parts)).toEqual({ recorded: 5, stored: 2, dropped: 2, sent: 2, queued: 4 });
});

it('keeps the documented order of the counters (diagnose prints them as JSON)', () => {
  expect(Object.keys(sumStats([]))).toEqual(['recorded', 'stored', 'dropped', 'sent', 'queued']);
});
