// OpenTelemetry for the `otel-traces` and `otel-metrics` variants of `bench/peers.ts`, loaded before the
// app with `node --import ./bench/peers-otel.mjs bench/peers-server.mjs …`, as OpenTelemetry's docs ask:
// its instrumentations patch http, Fastify, Express and pg as they are required, so they must be
// registered before any of those is.
//
//   ROUTEPERF_BENCH_OTEL=traces|metrics ROUTEPERF_BENCH_OTLP=http://127.0.0.1:<port>
//
// Both register the instrumentations a user would pick for the app (http; @fastify/otel or Express's;
// pg) and export over OTLP/HTTP in JSON to the sink the bench runs on loopback. `traces`: a tracer
// provider with a BatchSpanProcessor (a larger queue, below) and no metrics. `metrics`: a meter provider
// with a PeriodicExportingMetricReader and no tracer provider, so the spans the instrumentations still
// start are non-recording (but carry the request's context, so a context manager is set up); http's
// instrumentation records the request-duration histogram, with the route the framework's instrumentation
// sets, and pg's its operation durations.
// The app calls `shutdown()` after it closed: the last batch of spans, or the final metrics, is exported.
import FastifyOtelInstrumentation from '@fastify/otel';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const signal = process.env.ROUTEPERF_BENCH_OTEL;
const sink = process.env.ROUTEPERF_BENCH_OTLP;
if (!['traces', 'metrics'].includes(signal) || !sink?.startsWith('http://')) {
  console.error(
    'bench/peers-otel.mjs needs ROUTEPERF_BENCH_OTEL=traces|metrics and ROUTEPERF_BENCH_OTLP=http://…',
  );
  process.exit(2);
}
/** How often metrics are exported: a common setting, so that a run of a few seconds exports some. */
const EXPORT_INTERVAL_MS = 5000;
/**
 * Spans the BatchSpanProcessor holds while an export is under way. Its default, 2048, drops a tenth of a
 * hello-world app's spans at a few thousand requests per second; an app that means to keep every trace
 * raises it, as this does, so that what is measured is the cost of recording every request.
 */
const SPAN_QUEUE = 16_384;

const instrumentations = () => [
  new HttpInstrumentation(),
  new FastifyOtelInstrumentation({ registerOnInitialization: true }),
  new ExpressInstrumentation(),
  new PgInstrumentation(),
];

let provider;
if (signal === 'traces') {
  const exporter = new OTLPTraceExporter({ url: `${sink}/v1/traces` });
  const processor = new BatchSpanProcessor(exporter, { maxQueueSize: SPAN_QUEUE });
  provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  registerInstrumentations({ instrumentations: instrumentations(), tracerProvider: provider });
} else {
  const exporter = new OTLPMetricExporter({ url: `${sink}/v1/metrics` });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: EXPORT_INTERVAL_MS });
  provider = new MeterProvider({ readers: [reader] });
  // What a tracer provider would otherwise set up: without a context, the framework's instrumentation
  // cannot hand the route to http's, and the histogram would not be per route.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  registerInstrumentations({ instrumentations: instrumentations(), meterProvider: provider });
}

/** Exports what is left and stops: the sink then has everything the app recorded. */
export function shutdown() {
  return provider.shutdown();
}
