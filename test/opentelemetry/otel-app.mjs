// An Express app instrumented with OpenTelemetry (http, Express and pg instrumentations, a real tracer
// provider with an exporter of its own), that records its requests through routeperf's SpanProcessor only:
// no routeperf adapter. Started by span-processor.test.ts as a child process:
//
//   ROUTEPERF_DIST=<compiled dist> DATABASE=<routeperf database> PREFIX=<table prefix> PG=<postgres url> node otel-app.mjs
//
// It prints `listening <port>` once it serves, and on SIGTERM closes routeperf (which stores what is
// pending) and prints `spans <n>`: how many spans the app's own exporter got, to show they still flow.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

const dist = (path) => pathToFileURL(join(process.env.ROUTEPERF_DIST, path)).href;
const { createRouteperf } = await import(dist('routeperf.js'));
const { routeperfSpanProcessor } = await import(dist('opentelemetry/index.js'));

const perf = await createRouteperf({
  database: process.env.DATABASE,
  tablePrefix: process.env.PREFIX,
  environment: 'test',
  logger: { info() {}, warn: console.error, error: console.error },
});
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  spanProcessors: [routeperfSpanProcessor(perf), new SimpleSpanProcessor(exporter)],
});
provider.register();
registerInstrumentations({
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation(), new PgInstrumentation()],
});

// Only now, and with require: the instrumentations patch these modules as CommonJS loads them (an ESM
// import of them would need OpenTelemetry's loader hook, @opentelemetry/instrumentation/hook.mjs).
const require = createRequire(import.meta.url);
const express = require('express');
const pg = require('pg');

const pool = new pg.Pool({ connectionString: process.env.PG, max: 2 });
const app = express();
app.get('/users/:id', async (req, res) => {
  for (let i = 0; i < 3; i++) await pool.query('select $1::int as id', [req.params.id]);
  res.json({ id: req.params.id });
});
app.get('/fail', (_req, res) => res.status(503).send('down'));

const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', async () => {
  server.close();
  await provider.forceFlush();
  await perf.close();
  await pool.end();
  console.log(`spans ${exporter.getFinishedSpans().length}`);
  process.exit(0);
});
