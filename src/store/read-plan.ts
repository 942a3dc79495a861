import { BUCKET_MS, RESOLUTIONS, type Resolution } from './tables.js';

/** Rolled-up rows of one resolution over [from, to): whole buckets of that resolution. */
export interface Segment {
  resolution: Resolution;
  from: number;
  to: number;
}

/**
 * What one read sums over the window [since, until): the rows not rolled up yet (`aggregates` and its
 * companions, minute buckets) in the whole window, plus the rolled-up rows of each segment. Every request
 * is in exactly one of them: the rollup moves minutes out of `aggregates` into all three resolutions at
 * once, and the segments tile the window without overlapping.
 */
export interface ReadPlan {
  since: number;
  until: number;
  segments: Segment[];
}

/** From when on (ms) each resolution's rolled-up buckets are still kept; 0 when none were deleted yet. */
export type KeptFrom = Record<Resolution, number>;

/** An end of window at or past now: nothing was recorded after it, so whole buckets can answer it. */
const OPEN_END = Number.MAX_SAFE_INTEGER;
export const floorTo = (time: number, width: number) => time - (((time % width) + width) % width);
export const ceilTo = (time: number, width: number) =>
  time >= OPEN_END ? OPEN_END : floorTo(time + width - 1, width);

/**
 * The plan of a window (routes, totals): its inside from the coarsest buckets that fit, its edges from finer
 * ones, so that it is exact to the minute. Only where the minutes (or hours) of its start were already
 * deleted by retention is the start rounded down to the hour (or day). An end at or past `now` reads whole
 * buckets up to now.
 */
export function planWindow(since: number, until: number, keptFrom: KeptFrom, now: number): ReadPlan {
  const start = floorTo(since, finestKept(since, keptFrom, BUCKET_MS));
  const end = endOf(until, keptFrom, now);
  return { since: start, until: end, segments: tile(start, end, RESOLUTIONS, keptFrom) };
}

/**
 * The plan of a time series with points `step` wide from `since` (a multiple of `step`): every bucket it
 * reads lies inside one point, the coarsest that fit. Returns the step too, raised to a whole bucket of the
 * finest resolution still kept at `since`.
 */
export function planSeries(
  since: number,
  until: number,
  step: number,
  keptFrom: KeptFrom,
  now: number,
): ReadPlan & { step: number } {
  const wide = Math.max(step, finestKept(since, keptFrom, BUCKET_MS));
  const start = floorTo(since, wide);
  const end = endOf(until, keptFrom, now);
  const fitting = RESOLUTIONS.filter((resolution) => wide % resolution === 0);
  return { since: start, until: end, step: wide, segments: tile(start, end, fitting, keptFrom) };
}

/**
 * The end of a window as buckets can answer it: rounded up to the minute, or to the hour or day where its
 * minutes or hours were deleted; open when that is past now (nothing was recorded after), as for a window
 * that ends now, whose end the read sees a moment later.
 */
function endOf(until: number, keptFrom: KeptFrom, now: number): number {
  const end = ceilTo(until, finestKept(until, keptFrom, BUCKET_MS));
  return end >= now ? OPEN_END : end;
}

/** `wanted`, or the finest coarser resolution whose buckets at `time` were not deleted yet. */
export function finestKept(time: number, keptFrom: KeptFrom, wanted: Resolution = BUCKET_MS): Resolution {
  const finestFirst = [...RESOLUTIONS].reverse();
  return finestFirst.find((r) => r >= wanted && time >= keptFrom[r]) ?? RESOLUTIONS[0];
}

/**
 * [from, to) as the coarsest whole buckets inside it, and its edges in finer ones; a resolution's buckets
 * only from when on it is kept (one added to the store later has none before).
 */
export function tile(
  from: number,
  to: number,
  resolutions: readonly Resolution[],
  keptFrom: KeptFrom,
): Segment[] {
  const [resolution, ...finer] = resolutions;
  if (resolution === undefined || from >= to) return [];
  const inside = {
    from: Math.max(ceilTo(from, resolution), ceilTo(keptFrom[resolution], resolution)),
    to: to >= OPEN_END ? OPEN_END : floorTo(to, resolution),
  };
  if (inside.from >= inside.to) return tile(from, to, finer, keptFrom);
  return [
    ...tile(from, inside.from, finer, keptFrom),
    { resolution, ...inside },
    ...tile(inside.to, to, finer, keptFrom),
  ];
}
