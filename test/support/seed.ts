import type { RequestMetrics } from '../../src/record/metrics.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf } from '../../src/routeperf.js';
import type { RouteSummary, RoutesQuery } from '../../src/store/reads.js';

const silent = { info() {}, warn() {}, error() {} };

export interface StoreTarget {
  database: string;
  tablePrefix?: string;
  /** Off unless given, as routeperf's default. */
  accessRecords?: { enabled: boolean };
}

/** Stores `batch` the way the recorder would, through the public entry point. */
export async function ingest(target: StoreTarget, batch: RequestMetrics[]): Promise<void> {
  const routeperf = await createRouteperf({ ...target, logger: silent });
  try {
    await internalsOf(routeperf).store.ingest(batch);
  } finally {
    await routeperf.close();
  }
}

/** What the read API answers, for comparing the CLI's output with it. */
export async function readRoutes(
  target: StoreTarget & { environment?: string },
  query?: RoutesQuery,
): Promise<RouteSummary[]> {
  const routeperf = await createRouteperf({ ...target, logger: silent });
  try {
    return await routeperf.routes(query);
  } finally {
    await routeperf.close();
  }
}
