import type { ResolvedConfig } from '../config/types.js';
import type { Recorder } from '../core/recorder.js';
import { outsideRequests } from '../core/scope.js';
import type { FailureLog } from '../store/failures.js';
import type { Store } from '../store/store.js';
import type { Routeperf } from './handle.js';

/** What adapters and the CLI use of a routeperf besides its public handle. Not exported by the package. */
export interface RouteperfInternals {
  readonly config: ResolvedConfig;
  readonly recorder: Recorder;
  readonly store: Store;
  /** The failure store (`failureTransport`): the store's own database by default, or another SQL database. */
  failures(): Promise<FailureLog>;
}

// Kept beside the handles rather than on them: no key of a handle leads to them.
const internalsByHandle = new WeakMap<Routeperf, RouteperfInternals>();

/**
 * The handle createRouteperf returns. Adapters and the CLI reach the rest (`internalsOf`); an app cannot,
 * so that nothing it does can write metrics past the recorder or change the schema.
 */
export function routeperfHandle(
  publicParts: Pick<Routeperf, 'config' | 'mode' | 'stats' | 'close'>,
  internals: RouteperfInternals,
): Routeperf {
  const { store } = internals;
  const handle: Routeperf = {
    ...publicParts,
    // An app's own route may read its report: the reads are routeperf's queries, not the request's.
    routes: (query) => outsideRequests(() => store.routes(query)),
    routesPage: (query) => outsideRequests(() => store.routesPage(query)),
    routeLists: (query) => outsideRequests(() => store.routeLists(query)),
    timeseries: (query) => outsideRequests(() => store.timeseries(query)),
    summary: (query) => outsideRequests(() => store.summary(query)),
    latencyHistogram: (query) => outsideRequests(() => store.latencyHistogram(query)),
    accessStatistics: (query) => outsideRequests(() => store.accessStatistics(query)),
    accessRecords: (query) => outsideRequests(() => store.accessRecords(query)),
  };
  internalsByHandle.set(handle, internals);
  return handle;
}

/** True for a handle createRouteperf returned. */
export function isRouteperf(value: unknown): value is Routeperf {
  return typeof value === 'object' && value !== null && internalsByHandle.has(value as Routeperf);
}

export function internalsOf(routeperf: Routeperf): RouteperfInternals {
  const internals = internalsByHandle.get(routeperf);
  if (!internals) throw new TypeError('expected a routeperf returned by createRouteperf()');
  return internals;
}
