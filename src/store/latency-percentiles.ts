import type { Kysely } from 'kysely';
import { type BinCount, quantiles } from './histogram.js';
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
 * Fills the percentiles of each summary (by route id) from the routes' histograms over [since, until),
 * clamped to the summary's minimum and maximum.
 */
export async function fillPercentiles(
  db: Kysely<Database>,
  summaries: ReadonlyMap<number, { requestTime: LatencySummary }>,
  since: number,
  until: number,
): Promise<void> {
  if (summaries.size === 0) return;
  const rows = await db
    .selectFrom('histogram')
    .select((eb) => ['route_id', 'bin', eb.fn.sum<number>('count').as('count')])
    .where('route_id', 'in', [...summaries.keys()])
    .where('bucket', '>=', since)
    .where('bucket', '<', until)
    .groupBy(['route_id', 'bin'])
    .execute();
  const binsByRoute = new Map<number, BinCount[]>();
  for (const row of rows) {
    const id = Number(row.route_id);
    binsByRoute.set(id, [...(binsByRoute.get(id) ?? []), { bin: Number(row.bin), count: Number(row.count) }]);
  }
  for (const [id, summary] of summaries) {
    const time = summary.requestTime;
    [time.p50, time.p90, time.p95, time.p99] = quantiles(
      binsByRoute.get(id) ?? [],
      [0.5, 0.9, 0.95, 0.99] as const,
      time,
    );
  }
}
