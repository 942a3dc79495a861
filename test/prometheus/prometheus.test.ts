/**
 * routeperf/prometheus over a SQLite store: scraped over real sockets from a node:http server, an Express
 * app and a Fastify app, and the exposition read back by a Prometheus text-format parser.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import {
  PROMETHEUS_CONTENT_TYPE,
  type PrometheusOptions,
  prometheusFetchHandler,
  prometheusHandler,
  prometheusMetrics,
} from '../../src/prometheus/index.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { metrics } from '../dashboard/support.js';
import { capturingLogger } from '../support/logger.js';
import { ingest } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';

/** A route template with every character a label value must escape. */
const HOSTILE_ROUTE = '/reports/"annual"\\{year}\nnext';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

/**
 * A store holding: GET /users/:id, 4 requests a minute ago (200, 200, 404, 500; 10 to 40 ms; 2 queries
 * of 3 ms in all each); the hostile route, 2 requests two hours ago (201; 100 and 300 ms); and one
 * request of another environment.
 */
async function seededRouteperf(): Promise<Routeperf> {
  const database = sqliteUrl();
  await ingest({ database }, [
    ...[200, 200, 404, 500].map((statusCode, i) =>
      metrics({ environment: 'test', statusCode, requestTime: 10 * (i + 1), queryCount: 2, queryTime: 3 }),
    ),
    ...[100, 300].map((requestTime) =>
      metrics({
        environment: 'test',
        method: 'POST',
        route: HOSTILE_ROUTE,
        statusCode: 201,
        requestTime,
        minutesAgo: 120,
      }),
    ),
    metrics({ environment: 'staging', route: '/staging-only' }),
  ]);
  const routeperf = await createRouteperf({
    database,
    environment: 'test',
    logger: capturingLogger().logger,
  });
  opened.push(routeperf);
  return routeperf;
}

async function serve(listener: RequestListener | Server): Promise<string> {
  const server = typeof listener === 'function' ? createServer(listener) : listener;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push({ close: () => new Promise((resolve) => server.close(() => resolve())) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * The exposition as a Prometheus parser reads it: each family's type, and each sample found by its name
 * and labels. The parser merges a summary's samples into one object only for a summary without labels,
 * so for the samples a summary's type line is read as `untyped`: each line then keeps its own labels (its
 * `_sum` and `_count` become families of their own), while `types` is read from the text as served.
 */
function parsed(text: string) {
  const types = parsePrometheusTextFormat(text).map((family) => [family.name, family.type]);
  const families = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) summary$/gm, '# TYPE $1 untyped'));
  const of = (name: string, route: string, more: Record<string, string> = {}) =>
    families
      .filter((family) => family.name === name)
      .flatMap((family) => family.metrics)
      .filter((metric) =>
        Object.entries({ route, ...more }).every(([label, value]) => metric.labels?.[label] === value),
      );
  /** The values of `name`'s samples of `route`, by the value of the label `by`. */
  const valuesBy = (name: string, route: string, by: string, more: Record<string, string> = {}) =>
    Object.fromEntries(of(name, route, more).map((metric) => [metric.labels![by], Number(metric.value)]));
  const value = (name: string, route: string, more: Record<string, string> = {}) =>
    of(name, route, more).map((metric) => Number(metric.value));
  return { types, of, valuesBy, value };
}

async function scrape(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('routeperf/prometheus', () => {
  it('exposes every route: requests by status, errors, request time, queries', async () => {
    const routeperf = await seededRouteperf();
    const url = await serve(prometheusHandler(routeperf));
    const { status, type, text } = await scrape(`${url}/metrics`);
    expect(status).toBe(200);
    expect(type).toBe(PROMETHEUS_CONTENT_TYPE);
    const { types, of, valuesBy, value } = parsed(text);
    const head = await fetch(`${url}/metrics`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([
      200,
      PROMETHEUS_CONTENT_TYPE,
      '',
    ]);

    expect(types).toEqual([
      ['routeperf_requests_total', 'COUNTER'],
      ['routeperf_request_errors_total', 'COUNTER'],
      ['routeperf_request_duration_seconds', 'SUMMARY'],
      ['routeperf_queries_total', 'COUNTER'],
      ['routeperf_query_duration_seconds_total', 'COUNTER'],
    ]);
    expect(valuesBy('routeperf_requests_total', '/users/:id', 'status')).toEqual({
      '200': 2,
      '404': 1,
      '500': 1,
    });
    expect(valuesBy('routeperf_requests_total', HOSTILE_ROUTE, 'status')).toEqual({ '201': 2 });
    expect(of('routeperf_requests_total', '/users/:id')[0]!.labels).toMatchObject({
      environment: 'test',
      method: 'GET',
    });
    expect(value('routeperf_request_errors_total', '/users/:id')).toEqual([1]);
    expect(value('routeperf_request_errors_total', HOSTILE_ROUTE, { method: 'POST' })).toEqual([0]);
    expect(of('routeperf_requests_total', '/staging-only')).toEqual([]);

    const duration = 'routeperf_request_duration_seconds';
    expect(value(`${duration}_count`, '/users/:id')).toEqual([4]);
    expect(value(`${duration}_sum`, '/users/:id')[0]).toBeCloseTo(0.1, 9);
    const [recent] = await routeperf.routes({ since: Date.now() - 5 * 60_000, route: '/users/:id' });
    expect(valuesBy(duration, '/users/:id', 'quantile')).toEqual({
      '0.5': recent!.requestTime.p50 / 1000,
      '0.9': recent!.requestTime.p90 / 1000,
      '0.95': recent!.requestTime.p95 / 1000,
      '0.99': recent!.requestTime.p99 / 1000,
    });
    expect(recent!.requestTime.p99).toBeGreaterThan(recent!.requestTime.p50);
    // Two hours ago: counted, but no request in the window, so no quantile, as a Prometheus client says it.
    expect(value(`${duration}_count`, HOSTILE_ROUTE)).toEqual([2]);
    expect(value(`${duration}_sum`, HOSTILE_ROUTE)[0]).toBeCloseTo(0.4, 9);
    const hostileQuantiles = value(duration, HOSTILE_ROUTE);
    expect(hostileQuantiles).toHaveLength(4);
    expect(hostileQuantiles.every(Number.isNaN)).toBe(true);

    expect(value('routeperf_queries_total', '/users/:id')).toEqual([8]);
    expect(value('routeperf_query_duration_seconds_total', '/users/:id')[0]).toBeCloseTo(0.012, 9);
  });

  it('takes the quantiles over the window it is given, and the environments it is given', async () => {
    const routeperf = await seededRouteperf();
    const text = await prometheusMetrics(routeperf, { window: '3h', environments: ['test', 'staging'] });
    const { of, value } = parsed(text);
    const quantiles = value('routeperf_request_duration_seconds', HOSTILE_ROUTE);
    expect(quantiles).toHaveLength(4);
    expect(quantiles.some(Number.isNaN)).toBe(false);
    expect(of('routeperf_requests_total', '/staging-only').map((m) => m.labels!.environment)).toEqual([
      'staging',
    ]);
    expect(text).toContain('Quantiles of the requests of the last 3h');
  });

  it('mounts in Express, Fastify, Koa and Hono, and each serves the same exposition', async () => {
    const routeperf = await seededRouteperf();
    const expressApp = express();
    expressApp.get('/metrics', prometheusHandler(routeperf));

    const fastify = Fastify();
    fastify.get('/metrics', async (_request, reply) =>
      reply.type(PROMETHEUS_CONTENT_TYPE).send(await prometheusMetrics(routeperf)),
    );
    const fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' });
    opened.push(fastify);

    const koa = new Koa();
    const router = new Router();
    const scrapeHandler = prometheusHandler(routeperf);
    router.get('/metrics', (ctx) => {
      ctx.respond = false;
      scrapeHandler(ctx.req, ctx.res);
    });
    koa.use(router.routes());

    const hono = new Hono();
    const fetchHandler = prometheusFetchHandler(routeperf);
    hono.get('/metrics', (c) => fetchHandler(c.req.raw));

    const urls = [
      await serve(expressApp),
      fastifyUrl,
      await serve(koa.callback()),
      await serve(createAdaptorServer({ fetch: hono.fetch }) as Server),
    ];
    const scrapes = await Promise.all(urls.map((url) => scrape(`${url}/metrics`)));
    expect(scrapes.map(({ status, type }) => [status, type])).toEqual(
      urls.map(() => [200, PROMETHEUS_CONTENT_TYPE]),
    );
    for (const { text } of scrapes.slice(1)) expect(text).toBe(scrapes[0]!.text);
    expect(parsed(scrapes[0]!.text).valuesBy('routeperf_requests_total', '/users/:id', 'status')).toEqual({
      '200': 2,
      '404': 1,
      '500': 1,
    });
  });

  it('answers a store it cannot read with 503 and the reason, and any method but GET or HEAD with 405', async () => {
    const routeperf = await createRouteperf({
      database: 'postgres://postgres@127.0.0.1:1/unreachable',
      environment: 'test',
      logger: capturingLogger().logger,
    });
    opened.push(routeperf);
    const url = await serve(prometheusHandler(routeperf));
    const unreachable = await scrape(url);
    expect(unreachable.status).toBe(503);
    expect(unreachable.text).toMatch(/^routeperf could not read its store: Could not .*127\.0\.0\.1:1/);

    const posted = await fetch(url, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');

    const viaFetch = await prometheusFetchHandler(routeperf)(new Request('http://localhost/metrics'));
    expect(viaFetch.status).toBe(503);
    expect(await viaFetch.text()).toMatch(/^routeperf could not read its store: /);
  });

  it.each<[string, PrometheusOptions, RegExp]>([
    [
      'a window it cannot read',
      { window: '5x' as never },
      /window: expected a duration such as "5m" or "1h" \(whole minutes or hours\), got "5x"/,
    ],
    ['a window in seconds', { window: '30s' as never }, /window: expected a duration .*, got "30s"/],
    [
      'no environment',
      { environments: [] },
      /environments: expected at least one environment, got an array \[\]/,
    ],
    ['an unknown option', { path: '/metrics' } as never, /path: unknown key/],
  ])('refuses %s, naming the option', async (_case, options, message) => {
    const routeperf = await seededRouteperf();
    for (const attempt of [
      () => prometheusHandler(routeperf, options),
      () => prometheusMetrics(routeperf, options),
    ]) {
      let error: unknown;
      try {
        await attempt();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(RouteperfError);
      expect((error as RouteperfError).code).toBe('ROUTEPERF_CONFIG_INVALID');
      expect((error as Error).message).toMatch(message);
    }
  });
});
