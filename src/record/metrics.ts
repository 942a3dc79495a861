/** Routes that stand for many requests rather than one template. */
export const UNMATCHED_ROUTE = '(unmatched)';
export const OVERFLOW_ROUTE = '(overflow)';

/** Default `nPlusOneThreshold`: a request running one SQL shape more than 5 times is an N+1. */
export const DEFAULT_N_PLUS_ONE_THRESHOLD = 5;

/** Longest route template stored; longer ones are cut so that the unique index stays portable. */
export const MAX_ROUTE_LENGTH = 600;

/** What routeperf knows about one finished request. Times are milliseconds, memory is bytes. */
export interface RequestMetrics {
  /**
   * Message id, made by routeperf for each request (never taken from the client): unique and
   * time-ordered, the deduplication and sampling key.
   */
  id: string;
  /** When the request started, whole ms since the epoch. */
  ts: number;
  environment: string;
  method: string;
  /** Route template (`/users/:id`), `(unmatched)` or `(overflow)`; never the raw URL. */
  route: string;
  statusCode: number;
  /** From the adapter's first hook to the response being complete (0 when trackRequestTime is off). */
  requestTime: number;
  queryCount: number;
  queryTime: number;
  /**
   * The largest number of times one SQL shape (the statement with its values stripped) ran in the request,
   * when a tracker records shapes; absent otherwise. Many runs of one shape are the mark of an N+1.
   */
  queryRepeat?: number;
  /** The shape that ran `queryRepeat` times, when it ran more than once. */
  repeatedQuery?: string;
  /** Resident set size of the whole process when the response completed (one figure shared by all requests). */
  memory: number;
  /**
   * The client's request id header (`requestIdHeader`) when it is a sane token: many requests may share
   * it. Stored with the access record, to find a request by the id the client or a proxy logged.
   */
  correlationId?: string;
  /** Only when access records are on. */
  path?: string;
  referer?: string;
  userId?: string;
}
