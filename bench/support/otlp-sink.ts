/**
 * A loopback OTLP/HTTP receiver for `bench/peers.ts`: it takes what an app's OpenTelemetry exporters send
 * (JSON, as @opentelemetry/exporter-*-otlp-http do by default) and counts what arrived, so that the bench
 * can check the app recorded every request it served. It keeps the bodies and decodes them only when
 * asked, after the app has stopped: decoding during the measurement would take CPU from the app on a
 * machine whose cores it shares, which a real collector elsewhere would not.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** What the app exported: server spans, and the request-duration histogram's count for the route. */
export interface SinkCounts {
  /** Spans of kind SERVER: one per request traced. */
  serverSpans: number;
  /** Count of the http server duration histogram, over the points for `route` (latest cumulative value). */
  routeHistogramCount: number;
  /** Export requests received. */
  exports: number;
}

export interface OtlpSink {
  url: string;
  /** Forgets everything received: before each app. */
  reset(): void;
  counts(route: string): SinkCounts;
  close(): Promise<void>;
}

interface KeyValue {
  key: string;
  value: { stringValue?: string };
}
interface TracesBody {
  resourceSpans?: { scopeSpans?: { spans?: { kind?: number | string }[] }[] }[];
}
interface HistogramPoint {
  attributes?: KeyValue[];
  count?: number | string;
}
interface MetricsBody {
  resourceMetrics?: {
    scopeMetrics?: { metrics?: { name: string; histogram?: { dataPoints?: HistogramPoint[] } }[] }[];
  }[];
}

/** OTLP's SPAN_KIND_SERVER, as the JSON encoding writes it (a number, or its name). */
const SERVER_KIND = new Set<number | string>([2, 'SPAN_KIND_SERVER']);
/** The http instrumentation's histogram, by the old and the stable semantic conventions. */
const DURATION_METRICS = new Set(['http.server.duration', 'http.server.request.duration']);

export async function startOtlpSink(): Promise<OtlpSink> {
  let bodies: { path: string; body: Buffer }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzipped = request.headers['content-encoding'] === 'gzip';
      bodies.push({ path: request.url ?? '', body: gzipped ? gunzipSync(raw) : raw });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reset: () => {
      bodies = [];
    },
    counts: (route) => countAll(bodies, route),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function countAll(bodies: readonly { path: string; body: Buffer }[], route: string): SinkCounts {
  let serverSpans = 0;
  // Cumulative temporality: each export carries the total so far, so the last value per series counts.
  const latest = new Map<string, number>();
  for (const { path, body } of bodies) {
    if (path.startsWith('/v1/traces')) serverSpans += countServerSpans(JSON.parse(body.toString()));
    else if (path.startsWith('/v1/metrics')) keepHistogramCounts(JSON.parse(body.toString()), route, latest);
  }
  let routeHistogramCount = 0;
  for (const value of latest.values()) routeHistogramCount += value;
  return { serverSpans, routeHistogramCount, exports: bodies.length };
}

function countServerSpans(body: TracesBody): number {
  let count = 0;
  for (const resource of body.resourceSpans ?? [])
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        if (span.kind !== undefined && SERVER_KIND.has(span.kind)) count++;
  return count;
}

function keepHistogramCounts(body: MetricsBody, route: string, latest: Map<string, number>): void {
  for (const resource of body.resourceMetrics ?? [])
    for (const scope of resource.scopeMetrics ?? [])
      for (const metric of scope.metrics ?? []) {
        if (!DURATION_METRICS.has(metric.name)) continue;
        for (const point of metric.histogram?.dataPoints ?? []) {
          const attributes = point.attributes ?? [];
          if (!attributes.some((a) => a.key === 'http.route' && a.value.stringValue === route)) continue;
          latest.set(`${metric.name} ${JSON.stringify(attributes)}`, Number(point.count ?? 0));
        }
      }
}
