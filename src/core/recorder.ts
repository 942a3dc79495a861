import type { ResolvedConfig } from '../config/types.js';
import { MAX_ROUTE_LENGTH, type RequestMetrics, UNMATCHED_ROUTE } from '../record/metrics.js';
import { correlationIdFrom, newMessageId, sampleKey } from './request-id.js';
import { compileIgnore } from './route-filter.js';
import { outsideRequests, ScopeState } from './scope.js';
import { MAX_SHAPE_LENGTH } from './sql-shape.js';

const MEMORY_READ_INTERVAL_MS = 100;

/** A request being recorded: its scope plus the ids given when it started, in one object. */
export class ActiveRequest extends ScopeState {
  constructor(
    readonly messageId: string,
    readonly correlationId: string | undefined,
  ) {
    super();
  }
}

/** What an adapter knows once the response is complete. */
export interface FinishedRequest {
  method: string;
  /**
   * Route template, or undefined when no route matched. A function, as it may run an app's own code
   * (`routeOf`): what it throws is logged and the request recorded as unmatched.
   */
  route(): string | undefined;
  statusCode: number;
  /** Path with query string (kept only with access records). */
  url: string;
  referer: string | undefined;
  /** The framework's request object, handed to `getUser`. */
  request: unknown;
}

/** A request measured elsewhere, such as an OpenTelemetry server span: its figures rather than a scope. */
export interface MeasuredRequest extends FinishedRequest {
  /** When it started, in ms since the epoch. */
  startedAt: number;
  /** How long it took, in ms. */
  duration: number;
  queryCount: number;
  queryTime: number;
}

/** The route a request is recorded under. */
function recordedRoute(route: string | undefined): string {
  return (route || UNMATCHED_ROUTE).slice(0, MAX_ROUTE_LENGTH);
}

/**
 * Where accepted metrics go. In synchronous mode it returns the write the response waits for; in
 * asynchronous mode it hands the metrics on and returns nothing. Never throws or rejects.
 */
export type MetricsSink = (metrics: RequestMetrics) => Promise<void> | undefined;

/**
 * Decides whether and what to record: enabled, environment, sampling, ignored routes and the
 * `beforeRecord` hook. It knows no framework; adapters call `begin` and `finish`.
 */
export class Recorder {
  /** False when routeperf is disabled or the environment is not recorded; adapters then do nothing. */
  readonly active: boolean;
  /** The header of the client's request id (kept as the correlation id), lower-cased as node:http keys headers. */
  readonly requestIdHeader: string;
  /** Adapters run each request in its scope, so that its queries are counted (`trackQueries`). */
  readonly tracksQueries: boolean;
  /** Adapters add a `Server-Timing` header to each recorded response (`serverTiming`). */
  readonly serverTiming: boolean;
  /** The `Timing-Allow-Origin` value sent with `Server-Timing`, if any. */
  readonly timingAllowOrigin: string | undefined;
  readonly #isIgnored: (method: string, route: string) => boolean;
  #memory = { value: 0, readAt: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly config: ResolvedConfig,
    private readonly sink: MetricsSink,
    /** Synchronous mode: adapters hold the response's end() until the sink is done. */
    readonly holdsResponse: boolean,
    private readonly onHookError: (hook: string, error: unknown) => void,
    private readonly onAccepted: () => void,
  ) {
    this.active = config.enabled && config.environments.includes(config.environment);
    this.requestIdHeader = config.requestIdHeader.toLowerCase();
    this.tracksQueries = config.trackQueries;
    this.serverTiming = config.serverTiming;
    this.timingAllowOrigin = config.timingAllowOrigin;
    this.#isIgnored = compileIgnore(config.ignoreRoutes);
  }

  /**
   * Starts a request, or returns undefined when it is not to be recorded (inactive or sampled out). The
   * request gets a message id of routeperf's making, which decides sampling and deduplication: a client
   * can neither choose whether it is sampled nor have two requests counted as one. Its request id header
   * is only kept, as the correlation id.
   */
  begin(requestIdHeader: string | string[] | undefined): ActiveRequest | undefined {
    if (!this.active) return undefined;
    const messageId = newMessageId();
    if (this.config.samplingRate < 1 && sampleKey(messageId) >= this.config.samplingRate) return undefined;
    return new ActiveRequest(messageId, correlationIdFrom(requestIdHeader));
  }

  /** Whether `ignoreRoutes` leaves out a request of `method` to `route` (undefined: no route matched). */
  ignores(method: string, route: string | undefined): boolean {
    return this.#isIgnored(method.toUpperCase(), recordedRoute(route));
  }

  /** Finishes a request; the returned promise settles once the sink is done with it (never rejects). */
  finish(active: ActiveRequest, done: FinishedRequest): Promise<void> | undefined {
    const endedAt = performance.now();
    const elapsed = endedAt - active.startedAt;
    // Whole milliseconds: the stores keep `ts` in integer columns, and PostgreSQL rejects a fraction.
    const started = {
      id: active.messageId,
      ts: Math.round(Date.now() - elapsed),
      correlationId: active.correlationId,
    };
    return this.#complete(done, started, elapsed, active, endedAt);
  }

  /**
   * Records a request measured elsewhere (an OpenTelemetry server span): sampling, `ignoreRoutes` and
   * `beforeRecord` apply to it as to any other. Settles once the sink is done with it (never rejects).
   */
  record(measured: MeasuredRequest): Promise<void> | undefined {
    const active = this.begin(undefined);
    if (!active) return undefined;
    const started = { id: active.messageId, ts: Math.round(measured.startedAt), correlationId: undefined };
    const queries = { ...measured, queryRepeat: 0, repeatedQuery: undefined };
    return this.#complete(measured, started, measured.duration, queries, performance.now());
  }

  /** The metrics of a finished request, checked by ignoreRoutes and beforeRecord, handed to the sink. */
  #complete(
    done: FinishedRequest,
    started: { id: string; ts: number; correlationId: string | undefined },
    elapsed: number,
    queries: Pick<ScopeState, 'queryCount' | 'queryTime' | 'queryRepeat' | 'repeatedQuery'>,
    endedAt: number,
  ): Promise<void> | undefined {
    const route = recordedRoute(this.#guard('routeOf', routeOf, done));
    const method = done.method.toUpperCase();
    if (this.#isIgnored(method, route)) return undefined;
    const metrics: RequestMetrics = {
      id: started.id,
      ts: started.ts,
      environment: this.config.environment,
      method,
      route,
      statusCode: done.statusCode,
      requestTime: this.config.trackRequestTime ? elapsed : 0,
      queryCount: queries.queryCount,
      queryTime: queries.queryTime,
      memory: this.#residentMemory(endedAt),
    };
    if (started.correlationId !== undefined) metrics.correlationId = started.correlationId;
    if (queries.queryRepeat > 0) metrics.queryRepeat = queries.queryRepeat;
    // A tracker's own shape name (startNamedQuery) may be longer than the stores' column, or empty.
    if (queries.queryRepeat > 1 && queries.repeatedQuery)
      metrics.repeatedQuery = queries.repeatedQuery.slice(0, MAX_SHAPE_LENGTH);
    this.#addAccessFields(metrics, done);
    const { beforeRecord } = this.config;
    if (beforeRecord && this.#guard('beforeRecord', beforeRecord, metrics) === false) return undefined;
    this.onAccepted();
    // The write starts in the request's async context; outside it, a tracked driver that routeperf also
    // stores with does not count routeperf's own queries against the request.
    return outsideRequests(this.sink, metrics);
  }

  /** What only access records keep: the path, the referer and the user. */
  #addAccessFields(metrics: RequestMetrics, done: FinishedRequest) {
    const { accessRecords } = this.config;
    if (!accessRecords.enabled) return;
    metrics.path = done.url.slice(0, 2048);
    if (done.referer) metrics.referer = done.referer.slice(0, 2048);
    if (!accessRecords.trackUser) return;
    const { getUser } = this.config;
    const user = getUser && this.#guard('getUser', getUser, done.request);
    if (user !== null && user !== undefined) metrics.userId = String(user).slice(0, 255);
  }

  /**
   * The process's resident set size, read at most once per 100 ms: reading it costs a read of /proc, and
   * it is one figure for the whole process anyway.
   */
  #residentMemory(now: number): number {
    if (now - this.#memory.readAt >= MEMORY_READ_INTERVAL_MS)
      this.#memory = { value: process.memoryUsage.rss(), readAt: now };
    return this.#memory.value;
  }

  /** Runs an app's function on `arg`; what it throws is logged, and the result is then undefined. */
  #guard<A, T>(hook: string, fn: (arg: A) => T, arg: A): T | undefined {
    try {
      return fn(arg);
    } catch (error) {
      this.onHookError(hook, error);
      return undefined;
    }
  }
}

const routeOf = (done: FinishedRequest) => done.route();
