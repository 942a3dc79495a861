import { type Kysely, sql } from 'kysely';
import { latencyBins, type RouteFilter } from './bucket-reads.js';
import {
  binEdges,
  PERCENTILES,
  type PercentileKey,
  quantileBins,
  quantiles,
  valueOfBin,
} from './histogram.js';
import { percentileBinColumn } from './percentile-bins.js';
import type { ReadPlan } from './read-plan.js';
import type { Database } from './tables.js';

/** Request time over a window: average, extremes and percentiles (ms). */
export interface LatencySummary {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * Fills the percentiles of each summary (by route id) from the routes' histograms over the plan's
 * buckets, clamped to the summary's minimum and maximum.
 */
export async function fillPercentiles(
  db: Kysely<Database>,
  summaries: ReadonlyMap<number, { requestTime: LatencySummary }>,
  plan: ReadPlan,
  filter: RouteFilter,
): Promise<void> {
  if (summaries.size === 0) return;
  const binsByRoute = await latencyBins(db, plan, filter, (routeId) => routeId);
  for (const [id, summary] of summaries) {
    const time = summary.requestTime;
    [time.p50, time.p90, time.p95, time.p99] = quantiles(
      binsByRoute.get(id) ?? [],
      [0.5, 0.9, 0.95, 0.99] as const,
      time,
    );
  }
}

/**
 * The summaries (by route id) that can take one of the first `needed` places in the order of percentile
 * `key`, with their percentiles filled; the others cannot, and are left out. The histograms of the routes
 * whose bounds (see percentileBounds) reach furthest are read first; then only those of the routes whose
 * bound still reaches the `needed`-th value found: a page of the slowest routes reads a few routes'
 * histograms, not every route's.
 */
export async function rankByPercentile<S extends { requestTime: LatencySummary }>(
  db: Kysely<Database>,
  summaries: ReadonlyMap<number, S>,
  plan: ReadPlan,
  filter: RouteFilter,
  sort: { key: PercentileKey; order: 'asc' | 'desc'; needed: number },
  rolled: ReadonlyMap<number, RolledBinRange | null | undefined>,
): Promise<Map<number, S>> {
  if (sort.needed >= summaries.size) {
    await fillPercentiles(db, summaries, plan, filter);
    return new Map(summaries);
  }
  const bounds = await percentileBounds(db, plan, filter, sort.key, rolled);
  // In both orders, a greater number is nearer the top: values are negated when ascending.
  const sign = sort.order === 'desc' ? 1 : -1;
  const reach = (id: number) => {
    const bound = bounds.get(id);
    if (!bound) return Infinity;
    return sort.order === 'desc' ? bound.high : -bound.low;
  };
  const likely = (id: number) => {
    const bound = bounds.get(id);
    return bound ? sign * bound.likely : Infinity;
  };
  const read = async (some: number[]) => {
    const picked = new Map(some.map((id) => [id, summaries.get(id)!]));
    await fillPercentiles(db, picked, plan, { ...filter, ids: some });
    return picked;
  };
  const byLikely = [...summaries.keys()].sort((a, b) => likely(b) - likely(a) || 0);
  const first = await read(byLikely.slice(0, sort.needed));
  // The `needed`-th value found so far: no route whose bound does not reach it can take a place above.
  const threshold = Math.min(...[...first.values()].map((s) => sign * s.requestTime[sort.key]));
  const rest = await read(byLikely.slice(sort.needed).filter((id) => reach(id) >= threshold));
  return new Map([...first, ...rest]);
}

/**
 * Where a route's percentile over a window lies (ms): between `low` and `high`, most likely near `likely`
 * (its buckets' own, weighted by their requests).
 */
export interface PercentileBound {
  low: number;
  high: number;
  likely: number;
}

/** A route's percentile bins over its rolled-up buckets of a window: the least, the greatest, the typical. */
export interface RolledBinRange {
  low: number;
  high: number;
  /** The buckets' bins weighted by their requests. */
  likely: number;
}

const binRef = (key: PercentileKey) => sql.ref(`parts.${percentileBinColumn(key)}`);

/**
 * What RolledBinRange needs of each of `keys`, as aggregates over
 * `totalsRowsWithPercentileBins(…).as('parts')` grouped by route: read with the routes' totals.
 */
export function rolledBinRangeColumns(keys: readonly PercentileKey[]) {
  return keys.flatMap((key) => {
    const bin = binRef(key);
    const count = sql.ref('parts.count');
    return [
      sql<number | null>`min(${bin})`.as(`${key}_low`),
      sql<number | null>`max(${bin})`.as(`${key}_high`),
      sql<number>`sum(${sql.ref('parts.rolled')}) - count(${bin})`.as(`${key}_unknown`),
      sql<
        number | null
      >`sum(${count} * ${bin} * 1.0) / sum(case when ${bin} is null then 0 else ${count} end)`.as(
        `${key}_likely`,
      ),
    ];
  });
}

/**
 * A route's RolledBinRange of `key`, from a row with rolledBinRangeColumns; null when a rolled-up bucket of
 * it has no bins (rolled up before they were kept), undefined when it has no rolled-up bucket.
 */
export function rolledBinRangeOf(
  row: Record<string, unknown>,
  key: PercentileKey,
): RolledBinRange | null | undefined {
  if (Number(row[`${key}_unknown`]) > 0) return null;
  if (row[`${key}_low`] === null || row[`${key}_low`] === undefined) return undefined;
  return {
    low: Number(row[`${key}_low`]),
    high: Number(row[`${key}_high`]),
    likely: Math.round(Number(row[`${key}_likely`])),
  };
}

/**
 * Bounds of each route's percentile `key` over the plan, without reading a histogram of the rolled-up
 * buckets. A percentile of several buckets together lies between the least and the greatest of the
 * buckets' own (at least q of each bucket's requests are at or below its own, so at least q of them all
 * are at or below the greatest, and likewise above the least). The rolled-up buckets keep theirs as bins;
 * the minutes not rolled up yet count as one more bucket, read whole. Widened to the edges of those bins,
 * the bounds hold for the percentile the reads return (the value of its bin, clamped to the route's
 * extremes). `rolled` gives each route's range over its rolled-up buckets (see rolledBinRangeColumns),
 * null for a route with a bucket rolled up before bins were kept: it gets no bound.
 */
export async function percentileBounds(
  db: Kysely<Database>,
  plan: ReadPlan,
  filter: RouteFilter,
  key: PercentileKey,
  rolled: ReadonlyMap<number, RolledBinRange | null | undefined>,
): Promise<Map<number, PercentileBound>> {
  const ranges = new Map(rolled);
  const recent = await latencyBins(db, { ...plan, segments: [] }, filter, (routeId) => routeId);
  for (const [routeId, bins] of recent) {
    const [bin] = quantileBins(bins, [PERCENTILES[key]] as const);
    const range = ranges.get(routeId);
    if (bin === undefined || range === null) continue;
    if (range === undefined) ranges.set(routeId, { low: bin, high: bin, likely: bin });
    else ranges.set(routeId, { ...range, low: Math.min(range.low, bin), high: Math.max(range.high, bin) });
  }
  const bounds = new Map<number, PercentileBound>();
  for (const [routeId, range] of ranges) {
    if (!range) continue;
    const { low, high, likely } = range;
    bounds.set(routeId, { low: binEdges(low).from, high: binEdges(high).to, likely: valueOfBin(likely) });
  }
  return bounds;
}
