import type { Kysely } from 'kysely';
import { latencyBins, type RouteFilter } from './bucket-reads.js';
import { quantiles } from './histogram.js';
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
