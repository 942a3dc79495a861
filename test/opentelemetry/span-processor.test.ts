/**
 * routeperf/opentelemetry in a real OpenTelemetry setup: an Express app with the http, Express and pg
 * instrumentations and a tracer provider of its own, whose requests reach routeperf through its
 * SpanProcessor only, over real sockets, with its queries run against PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { routeperfSpanProcessor } from '../../src/opentelemetry/index.js';
import { createRouteperf } from '../../src/routeperf.js';
import { describeWithService, POSTGRES_URL, uniquePrefix, unreachable } from '../support/databases.js';
import { readRoutes } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';

const silent = { info() {}, warn() {}, error() {} };
const HIDE_PACKAGES = fileURLToPath(new URL('../support/hide-packages.mjs', import.meta.url));
const APP = fileURLToPath(new URL('./otel-app.mjs', import.meta.url));
const postgres = new URL(POSTGRES_URL);
const reason = await unreachable(postgres.hostname, Number(postgres.port || 5432));

/** Starts the app; resolves with its port and a stop() that resolves with what it printed last. */
async function startApp(database: string, prefix: string) {
  const child = spawn(process.execPath, [APP], {
    env: {
      ...process.env,
      ROUTEPERF_DIST: process.env.ROUTEPERF_COMPILED_DIST!,
      DATABASE: database,
      PREFIX: prefix,
      PG: POSTGRES_URL,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /listening (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`the app exited with ${code}:\n${stdout}\n${stderr}`)));
  });
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      return { code: await exited, stdout, stderr };
    },
  };
}

describeWithService('routeperf/opentelemetry', 'PostgreSQL', reason, () => {
  it('records each server span with its route, status, duration and the pg queries under it', async () => {
    const database = sqliteUrl();
    const prefix = uniquePrefix();
    const app = await startApp(database, prefix);
    const base = `http://127.0.0.1:${app.port}`;
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${base}/users/${i}`);
      expect(await response.json()).toEqual({ id: String(i) });
    }
    for (let i = 0; i < 4; i++) expect((await fetch(`${base}/fail`)).status).toBe(503);
    const { code, stdout, stderr } = await app.stop();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The app's own exporter still got its spans: the processor takes nothing away from them.
    expect(Number(/spans (\d+)/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(14 + 30);

    const routes = await readRoutes(
      { database, tablePrefix: prefix, environment: 'test' },
      { sort: 'route' },
    );
    expect(routes.map((r) => [r.method, r.route, r.count, r.statusCodes])).toEqual([
      ['GET', '/fail', 4, { '503': 4 }],
      ['GET', '/users/:id', 10, { '200': 10 }],
    ]);
    const users = routes.find((r) => r.route === '/users/:id')!;
    expect(users.queries.avg).toBe(3);
    expect(users.queries.max).toBe(3);
    expect(users.queries.timeAvg).toBeGreaterThan(0);
    expect(users.requestTime.avg).toBeGreaterThan(users.queries.timeAvg);
    expect(routes.find((r) => r.route === '/fail')!.queries.max).toBe(0);
  });
});

describe('RouteperfSpanProcessor with spans made by hand (the real SDK, no instrumentation)', () => {
  it('counts the queries started under a handler span that already ended, and not the connections', async () => {
    const database = sqliteUrl();
    const perf = await createRouteperf({ database, environment: 'test', logger: silent });
    const provider = new BasicTracerProvider({ spanProcessors: [routeperfSpanProcessor(perf)] });
    const tracer = provider.getTracer('test');
    const server = tracer.startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'url.path': '/orders/7' },
    });
    const inServer = trace.setSpan(context.active(), server);
    const handler = tracer.startSpan('request handler', {}, inServer);
    handler.end(); // before its awaited queries start, as Express's does
    const inHandler = trace.setSpan(inServer, handler);
    const query = {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'select 1' },
    };
    for (let i = 0; i < 2; i++) tracer.startSpan('pg.query', query, inHandler).end();
    const connect = { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } };
    tracer.startSpan('pg.connect', connect, inHandler).end();
    server.setAttribute('http.response.status_code', 201);
    server.end();
    // A span under a request that ended is nobody's: it is left out.
    tracer.startSpan('pg.query', query, inHandler).end();
    await perf.close();
    const [route] = await readRoutes({ database, environment: 'test' });
    expect(route).toMatchObject({ method: 'GET', route: '/orders/:id', count: 1, statusCodes: { '201': 1 } });
    expect(route!.queries.max).toBe(2);
  });

  it('refuses anything but a routeperf handle, when it is made', () => {
    expect(() => routeperfSpanProcessor({} as never)).toThrow(TypeError);
  });
});

it('loads, and makes its processor, in an app without any OpenTelemetry package: it imports only their types', async () => {
  const script = `
    const { routeperfSpanProcessor } = await import(${JSON.stringify(`${process.env.ROUTEPERF_COMPILED_DIST}/opentelemetry/index.js`)});
    const { createRouteperf } = await import(${JSON.stringify(`${process.env.ROUTEPERF_COMPILED_DIST}/routeperf.js`)});
    const perf = await createRouteperf({ database: 'sqlite::memory:' });
    console.log(typeof routeperfSpanProcessor(perf).onEnd);
    await perf.close();`;
  const hidden = [
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-base',
    '@opentelemetry/core',
    '@opentelemetry/sdk-trace',
  ];
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: `--import ${HIDE_PACKAGES}`, HIDE_PACKAGES: hidden.join(',') },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  expect(output).toBe('function\n');
});
