/** What every query tracker (`routeperf/pg`, `routeperf/knex`, …) accepts. */
export interface TrackerOptions {
  /**
   * Count each query's SQL shape (literals and parameters stripped) too, for N+1 detection: a request
   * running one shape more than `nPlusOneThreshold` times is flagged. Default true.
   */
  recordShapes?: boolean;
}

/** The SQL a tracker passes on to `startQuery`: none when shapes are not recorded. */
export function shapeSource(
  options: TrackerOptions | undefined,
  sql: string | undefined,
): string | undefined {
  return options?.recordShapes === false ? undefined : sql;
}
