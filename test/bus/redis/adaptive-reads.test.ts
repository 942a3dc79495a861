import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AdaptiveReads,
  ClaimSchedule,
  MAX_CLAIM_INTERVAL_MS,
  MAX_TOP_UP_READS,
} from '../../../src/bus/transports/redis/adaptive-reads.js';

/**
 * A source of `available` entries of `perEntry` messages each, and what was held from it: each page
 * holds up to `count` entries and says the source may have more when it came back full.
 */
function source(available: number, perEntry: number) {
  const totals = { entries: 0, messages: 0 };
  const counts: number[] = [];
  const page = async (count: number) => {
    counts.push(count);
    const entries = Math.min(count, available - totals.entries);
    totals.entries += entries;
    totals.messages += entries * perEntry;
    return entries === count;
  };
  return { totals, counts, page };
}

describe('redis adaptive reads', () => {
  it('reads at first as many entries as `pack` messages each would need', async () => {
    const { totals, counts, page } = source(100, 100);
    const reads = new AdaptiveReads(100, totals);
    expect(await reads.fill(250, page)).toBe(true);
    expect(counts).toEqual([3]);
  });

  it('reads at least one entry', async () => {
    const { totals, counts, page } = source(100, 1);
    expect(await new AdaptiveReads(100, totals).fill(1, page)).toBe(true);
    expect(counts).toEqual([1]);
  });

  it('tops a full read up, sized from the entries it read, when they were smaller than thought', async () => {
    const { totals, counts, page } = source(100, 10);
    const reads = new AdaptiveReads(100, totals);
    await reads.fill(250, page);
    // 3 entries gave 30 messages: the 220 left take 22 more of that size.
    expect(counts).toEqual([3, 22]);
    expect(totals.messages).toBe(250);
  });

  it('learns smaller entries halfway, larger ones at once', async () => {
    const small = source(100, 10);
    const reads = new AdaptiveReads(100, small.totals);
    await reads.fill(250, small.page);
    small.counts.length = 0;
    // The estimate came down from 100 to 55 messages an entry: 2 entries for 110.
    await reads.fill(110, small.page);
    expect(small.counts[0]).toBe(2);

    const large = source(100, 50);
    const growing = new AdaptiveReads(10, large.totals);
    await growing.fill(100, large.page);
    large.counts.length = 0;
    await growing.fill(100, large.page);
    expect(large.counts).toEqual([2]);
  });

  it('stops when the source has no more, when nothing came, and after MAX_TOP_UP_READS top-ups', async () => {
    const exhausted = source(2, 1);
    expect(await new AdaptiveReads(1, exhausted.totals).fill(10, exhausted.page)).toBe(true);
    expect(exhausted.counts).toEqual([10]);

    const empty = source(0, 1);
    expect(await new AdaptiveReads(1, empty.totals).fill(10, empty.page)).toBe(false);
    expect(empty.counts).toHaveLength(1);

    // A page that holds one entry of all it read, and says there is more (entries already in hand).
    const totals = { entries: 0, messages: 0 };
    let pages = 0;
    const sparse = async () => {
      pages += 1;
      totals.entries += 1;
      totals.messages += 1;
      return true;
    };
    await new AdaptiveReads(1, totals).fill(100, sparse);
    expect(pages).toBe(1 + MAX_TOP_UP_READS);
  });

  it('lets only the first page of a fill wait', async () => {
    const { totals, page } = source(100, 10);
    const firsts: boolean[] = [];
    await new AdaptiveReads(100, totals).fill(250, (count, first) => {
      firsts.push(first);
      return page(count);
    });
    expect(firsts).toEqual([true, false]);
  });
});

describe('redis claim schedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('scans from the start, and goes on from the cursor while the pages come back full', () => {
    const claims = new ClaimSchedule(60_000);
    expect(claims.due).toBe(true);
    expect(claims.cursor).toBe('0-0');
    expect(claims.scanned('5-0', 10, 10)).toBe(true);
    expect(claims.cursor).toBe('5-0');
    expect(claims.due).toBe(true);
  });

  it('pauses for at most MAX_CLAIM_INTERVAL_MS once a scan reached the end', () => {
    vi.useFakeTimers();
    const claims = new ClaimSchedule(60_000);
    expect(claims.scanned('0-0', 3, 10)).toBe(false);
    expect(claims.due).toBe(false);
    vi.advanceTimersByTime(MAX_CLAIM_INTERVAL_MS - 1);
    expect(claims.due).toBe(false);
    vi.advanceTimersByTime(1);
    expect(claims.due).toBe(true);
  });

  it('pauses no longer than the redelivery timeout when it is shorter', () => {
    vi.useFakeTimers();
    const claims = new ClaimSchedule(100);
    claims.scanned('0-0', 0, 10);
    vi.advanceTimersByTime(99);
    expect(claims.due).toBe(false);
    vi.advanceTimersByTime(1);
    expect(claims.due).toBe(true);
  });

  it('does not pause after a full page at the end: the next scan starts over at once', () => {
    const claims = new ClaimSchedule(60_000);
    expect(claims.scanned('0-0', 10, 10)).toBe(false);
    expect(claims.due).toBe(true);
  });

  it('scans again at once, from the start, after a release', () => {
    vi.useFakeTimers();
    const claims = new ClaimSchedule(60_000);
    claims.scanned('7-0', 10, 10);
    claims.scanned('0-0', 2, 10);
    expect(claims.due).toBe(false);
    claims.restart();
    expect(claims.due).toBe(true);
    expect(claims.cursor).toBe('0-0');
  });
});
