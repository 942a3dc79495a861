/**
 * `routeperf/opentelemetry`: a SpanProcessor for apps already instrumented with OpenTelemetry. Each
 * server span (its `http.route`, method, status and duration) becomes a routeperf record, with the
 * database spans under it counted as its queries, through the same recorder and bus as an adapter's
 * requests: no adapter needed, and the traces keep going to their own exporter.
 */
import type { Context, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Recorder } from '../core/recorder.js';
import { internalsOf } from '../routeperf/internals.js';
import type { Routeperf } from '../routeperf.js';

// The values of @opentelemetry/api's SpanKind, written here so that this module needs no OpenTelemetry
// package at run time (the app brings its own).
const SERVER = 1;
const CLIENT = 2;

/**
 * Spans followed at once at most: a span that never ends (a leak in the app) must not grow the map for
 * ever. Past it, the oldest are forgotten, and their request is recorded without those queries.
 */
const MAX_OPEN_SPANS = 100_000;

const milliseconds = ([seconds, nanoseconds]: HrTime) => seconds * 1000 + nanoseconds / 1e6;

/** The first attribute of `names` that holds a string or a number, as a string. */
function attribute(span: ReadableSpan, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = span.attributes[name];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return undefined;
}

/**
 * A client span of a database query, by the current semantic conventions or the older ones: a database
 * system and a statement or an operation. Connecting (pg's `pg.connect`, a pool's checkout) is no query.
 */
const isQuery = (span: ReadableSpan) =>
  span.kind === CLIENT &&
  attribute(span, 'db.system.name', 'db.system') !== undefined &&
  attribute(span, 'db.query.text', 'db.statement', 'db.operation.name', 'db.operation') !== undefined;

/** A request being followed: the spans started under its local root, and the queries among them so far. */
interface OpenRequest {
  spans: string[];
  count: number;
  time: number;
}

/**
 * Turns the server spans of this process into routeperf records. A server span is the local root of a
 * request: the spans started under it, at any depth and until it ends, belong to that request (a parent
 * may end before its children start, as an Express handler does before its awaited queries), and those
 * that are database queries are its queries. Register it beside the app's own span processors:
 * `new NodeTracerProvider({ spanProcessors: [routeperfSpanProcessor(perf), new BatchSpanProcessor(exporter)] })`.
 */
export class RouteperfSpanProcessor implements SpanProcessor {
  /** Each followed span's local root (its own id for a root). */
  readonly #rootOf = new Map<string, string>();
  readonly #requests = new Map<string, OpenRequest>();

  readonly #recorder: Recorder;

  /** Throws a TypeError at once for anything but a handle createRouteperf() returned. */
  constructor(routeperf: Routeperf) {
    this.#recorder = internalsOf(routeperf).recorder;
  }

  onStart(span: Span, _parentContext: Context): void {
    const { spanId } = span.spanContext();
    const parent = span.parentSpanContext;
    if (span.kind === SERVER) {
      this.#rootOf.set(spanId, spanId);
      this.#requests.set(spanId, { spans: [spanId], count: 0, time: 0 });
      if (this.#rootOf.size > MAX_OPEN_SPANS) this.#forgetOldest();
      return;
    }
    const root = parent && !parent.isRemote ? this.#rootOf.get(parent.spanId) : undefined;
    const request = root === undefined ? undefined : this.#requests.get(root);
    if (!request) return;
    this.#rootOf.set(spanId, root!);
    request.spans.push(spanId);
  }

  onEnd(span: ReadableSpan): void {
    const { spanId } = span.spanContext();
    const root = this.#rootOf.get(spanId);
    const request = root === undefined ? undefined : this.#requests.get(root);
    if (!request) return;
    if (root !== spanId) {
      if (isQuery(span)) {
        request.count++;
        request.time += milliseconds(span.duration);
      }
      return;
    }
    this.#forget(root, request);
    this.#record(span, request);
  }

  async forceFlush(): Promise<void> {}

  /** routeperf's own `close()` sends or stores what is pending; the tracer provider's shutdown leaves it. */
  async shutdown(): Promise<void> {}

  #record(span: ReadableSpan, queries: OpenRequest) {
    const route = attribute(span, 'http.route');
    const path = attribute(span, 'url.path', 'http.target') ?? '';
    const query = attribute(span, 'url.query');
    // The recorder never throws; it hands the record on and returns at once in asynchronous mode.
    void this.#recorder.record({
      method: attribute(span, 'http.request.method', 'http.method') ?? 'GET',
      route: () => route,
      statusCode: Number(attribute(span, 'http.response.status_code', 'http.status_code') ?? 0),
      url: query ? `${path}?${query}` : path,
      referer: undefined,
      request: undefined,
      startedAt: milliseconds(span.startTime),
      duration: milliseconds(span.duration),
      queryCount: queries.count,
      queryTime: queries.time,
    });
  }

  #forget(root: string, request: OpenRequest) {
    for (const spanId of request.spans) this.#rootOf.delete(spanId);
    this.#requests.delete(root);
  }

  /** Drops the requests followed longest, until a tenth of the room is free. */
  #forgetOldest() {
    for (const [root, request] of this.#requests) {
      this.#forget(root, request);
      if (this.#rootOf.size <= MAX_OPEN_SPANS * 0.9) return;
    }
  }
}

/** A RouteperfSpanProcessor recording through `routeperf`. */
export function routeperfSpanProcessor(routeperf: Routeperf): RouteperfSpanProcessor {
  return new RouteperfSpanProcessor(routeperf);
}
