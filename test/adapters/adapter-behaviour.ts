import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordResult, RouteperfOptions } from '../../src/config/types.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import type { RouteSummary } from '../../src/store/reads.js';
import { deferAfterEach } from '../support/cleanup.js';
import { describeEachDatabase, dropTables, uniquePrefix } from '../support/databases.js';
import { closeServer, hammer, listen, postWithLateBody } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { sqliteRows, sqliteTables, sqliteUrl } from '../support/sqlite.js';
import type { BuiltApp, Framework } from './frameworks.js';

type TestOptions = RouteperfOptions & { database: string; tablePrefix: string };

interface RunningApp {
  server: Server;
  url: string;
  routeperf: Routeperf;
  options: TestOptions;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_1 = { status: 200, body: { id: '1' } };

/** Apps close before their tables are dropped: tasks run in the order deferred. */
const defer = deferAfterEach();

function testOptions(extra: RouteperfOptions = {}): TestOptions {
  return { database: sqliteUrl(), tablePrefix: uniquePrefix(), environment: 'test', ...extra };
}

/** Builds `framework`'s app around routeperf, to be closed after the test. */
function build(framework: Framework, options: TestOptions): BuiltApp {
  const app = framework.build(options);
  defer(async () => {
    await closeServer(app.server);
    await app.close();
  });
  return app;
}

/** Builds the app and serves it on a loopback port once routeperf is ready. */
async function start(framework: Framework, extra: RouteperfOptions = {}): Promise<RunningApp> {
  const options = testOptions(extra);
  const app = build(framework, options);
  const routeperf = await app.ready;
  return { server: app.server, url: await listen(app.server), routeperf, options };
}

/** A second routeperf on the same tables, with connections of its own: it sees only what was committed. */
async function openReader(options: TestOptions): Promise<Routeperf> {
  const { database, tablePrefix, environment } = options;
  const reader = await createRouteperf({ database, tablePrefix, environment });
  defer(() => reader.close());
  return reader;
}

async function send(app: RunningApp, path: string, init?: RequestInit) {
  const response = await fetch(app.url + path, init);
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json');
  return { status: response.status, body: json ? JSON.parse(text) : text };
}

async function sendAll(app: RunningApp, paths: string[]) {
  for (const path of paths) await send(app, path);
}

/** Route summaries keyed by "METHOD route". */
async function summaries(routeperf: Routeperf): Promise<Record<string, RouteSummary>> {
  const routes = await routeperf.routes();
  return Object.fromEntries(routes.map((route) => [`${route.method} ${route.route}`, route]));
}

async function counts(routeperf: Routeperf): Promise<Record<string, number>> {
  const routes = await summaries(routeperf);
  return Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, route.count]));
}

const postJson = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const withRequestId = (id: string): RequestInit => ({ headers: { 'x-request-id': id } });

/**
 * What every adapter must do the same, each framework in its own describe block. The frameworks are
 * shared between several test files, so that they run side by side.
 */
export function describeAdapterBehaviour(frameworks: Framework[]): void {
  describe.each(frameworks)('$name', (framework) => {
    describe('what is recorded', () => {
      it('records route templates with their method, never raw URLs, mounted routers included', async () => {
        const app = await start(framework);
        await sendAll(app, ['/users/1', '/users/2', '/api/items/7']);
        expect(await send(app, '/echo', postJson({ hello: 'world' }))).toEqual({
          status: 200,
          body: { hello: 'world' },
        });
        expect(await counts(app.routeperf)).toEqual({
          'GET /users/:id': 2,
          'GET /api/items/:itemId': 1,
          'POST /echo': 1,
        });
      });

      it('records the status code of each request under its route', async () => {
        const app = await start(framework);
        await sendAll(app, ['/status/201', '/status/404', '/status/503', '/status/503']);
        const route = (await summaries(app.routeperf))['GET /status/:code'];
        expect(route?.statusCodes).toEqual({ '201': 1, '404': 1, '503': 2 });
        expect(route?.errorRate).toBe(0.5);
      });

      it('records a handler that throws with the 500 it ended with, in a mounted router too', async () => {
        const app = await start(framework);
        expect((await send(app, '/boom')).status).toBe(500);
        expect((await send(app, '/api/boom')).status).toBe(500);
        const routes = await summaries(app.routeperf);
        expect(routes['GET /boom']?.statusCodes).toEqual({ '500': 1 });
        expect(routes['GET /api/boom']?.statusCodes).toEqual({ '500': 1 });
        expect(Object.keys(routes)).toHaveLength(2);
      });

      it('puts requests no route matched under (unmatched) of their method', async () => {
        const app = await start(framework);
        expect((await send(app, '/nope')).status).toBe(404);
        await sendAll(app, ['/api/nope', '/users/1/nope']);
        expect((await send(app, '/users/1', postJson({}))).status).toBe(404);
        expect(await counts(app.routeperf)).toEqual({ 'GET (unmatched)': 3, 'POST (unmatched)': 1 });
      });

      it('puts new routes past maxRoutes under (overflow), known routes keep their name', async () => {
        const app = await start(framework, { maxRoutes: 2 });
        await sendAll(app, ['/users/1', '/status/201', '/boom', '/api/items/1', '/users/2', '/nope']);
        expect(await counts(app.routeperf)).toEqual({
          'GET /users/:id': 2,
          'GET /status/:code': 1,
          'GET (overflow)': 2,
          'GET (unmatched)': 1,
        });
      });

      it('adds the queries of the request scope, also after an await and after body parsing', async () => {
        const app = await start(framework);
        await send(app, '/queries');
        await send(app, '/echo', postJson({ n: 1 }));
        const routes = await summaries(app.routeperf);
        expect(routes['GET /queries']?.queries).toMatchObject({ avg: 3, max: 3 });
        expect(routes['GET /queries']?.queries.timeMax).toBeGreaterThanOrEqual(2);
        expect(routes['POST /echo']?.queries).toMatchObject({ avg: 1, max: 1 });
      });

      it('with trackQueries: false, runs the handler outside any request scope and records no queries', async () => {
        const app = await start(framework, { trackQueries: false });
        expect((await send(app, '/queries')).status).toBe(200);
        await send(app, '/echo', postJson({ n: 1 }));
        const routes = await summaries(app.routeperf);
        expect(routes['GET /queries']).toMatchObject({ count: 1, queries: { avg: 0, max: 0 } });
        expect(routes['POST /echo']).toMatchObject({ count: 1, queries: { avg: 0, max: 0 } });
      });

      it('keeps the request scope when the body arrives after the headers', async () => {
        const app = await start(framework);
        expect(await postWithLateBody(app.server, `${app.url}/echo`, { late: true })).toEqual({
          status: 200,
          body: { late: true },
        });
        expect((await summaries(app.routeperf))['POST /echo']?.queries).toMatchObject({ avg: 1, max: 1 });
      });

      it('keeps the configured header as the correlation id, whatever the case of its name', async () => {
        const recorded: { id: string; correlationId?: string }[] = [];
        const app = await start(framework, {
          requestIdHeader: 'X-Correlation-Id',
          afterRecord: ({ metrics }) => void recorded.push(metrics),
        });
        await send(app, '/users/1', { headers: { 'x-correlation-id': 'correlation-0001' } });
        expect(recorded).toEqual([
          expect.objectContaining({ id: expect.stringMatching(UUID), correlationId: 'correlation-0001' }),
        ]);
      });

      it('stores each request before its client has the response', async () => {
        const app = await start(framework);
        const reader = await openReader(app.options);
        for (let i = 1; i <= 5; i++) {
          await send(app, `/users/${i}`);
          expect(await counts(reader)).toEqual({ 'GET /users/:id': i });
        }
      });
    });

    describe('what is left out', () => {
      it('ignores routes by exact name and by glob, on the template with and without the method', async () => {
        const app = await start(framework, {
          ignoreRoutes: ['GET /users/:id', '/status/*', 'POST /ech?', '/bo?', 'DELETE /boom', '/api/items/1'],
        });
        await sendAll(app, ['/users/1', '/status/201', '/boom', '/api/items/1']);
        await send(app, '/echo', postJson({}));
        // `?` is one character, a method must match, and a raw URL is not a template.
        expect(await counts(app.routeperf)).toEqual({ 'GET /boom': 1, 'GET /api/items/:itemId': 1 });
      });

      it('records nothing at samplingRate 0 and everything at 1', async () => {
        const none = await start(framework, { samplingRate: 0 });
        const all = await start(framework, { samplingRate: 1 });
        await hammer((i) => `${none.url}/users/${i}`, 20);
        await hammer((i) => `${all.url}/users/${i}`, 20);
        expect(await counts(none.routeperf)).toEqual({});
        expect(await counts(all.routeperf)).toEqual({ 'GET /users/:id': 20 });
      });

      it('at samplingRate 0.5 records about half', async () => {
        let seen = 0;
        const app = await start(framework, { samplingRate: 0.5, afterRecord: () => void seen++ });
        await hammer((i) => `${app.url}/users/${i}`, 400, 20);
        expect(await counts(app.routeperf)).toEqual({ 'GET /users/:id': seen });
        expect(seen).toBeGreaterThan(400 * 0.35);
        expect(seen).toBeLessThan(400 * 0.65);
      });

      it('records nothing in an environment not listed in environments', async () => {
        const app = await start(framework, { environment: 'staging' });
        expect(await send(app, '/users/1')).toEqual(USER_1);
        expect(app.routeperf.stats()).toMatchObject({ recorded: 0, stored: 0, dropped: 0 });
        expect(sqliteTables(app.options.database)).toEqual([]);
      });

      it('applies the overrides of the current environment, not those of another', async () => {
        const app = await start(framework, {
          overrides: { test: { ignoreRoutes: ['/boom'] }, production: { ignoreRoutes: ['/users/:id'] } },
        });
        await sendAll(app, ['/users/1', '/boom']);
        expect(await counts(app.routeperf)).toEqual({ 'GET /users/:id': 1 });
      });

      it('with enabled: false creates no table and answers as without routeperf', async () => {
        const app = await start(framework, { enabled: false });
        expect(await send(app, '/users/1')).toEqual(USER_1);
        expect(await send(app, '/echo', postJson({ a: 1 }))).toEqual({ status: 200, body: { a: 1 } });
        expect((await send(app, '/boom')).status).toBe(500);
        expect(app.routeperf.stats()).toMatchObject({ recorded: 0, stored: 0, dropped: 0 });
        expect(sqliteTables(app.options.database)).toEqual([]);
      });
    });

    describe('hooks', () => {
      it('beforeRecord may change what is recorded or veto it', async () => {
        const app = await start(framework, {
          beforeRecord: (metrics) => {
            if (metrics.route === '/boom') return false;
            metrics.route = metrics.route.replace('/users', '/people');
          },
        });
        await sendAll(app, ['/users/1', '/boom', '/api/items/1']);
        expect(await counts(app.routeperf)).toEqual({ 'GET /people/:id': 1, 'GET /api/items/:itemId': 1 });
        expect(app.routeperf.stats()).toMatchObject({ recorded: 2, stored: 2 });
      });

      it('afterRecord receives the metrics once stored', async () => {
        const results: RecordResult[] = [];
        const app = await start(framework, { afterRecord: (result) => void results.push(result) });
        await send(app, '/status/201', withRequestId('after-record-0001'));
        expect(results).toEqual([
          {
            stored: true,
            metrics: expect.objectContaining({
              id: expect.stringMatching(UUID),
              correlationId: 'after-record-0001',
              environment: 'test',
              method: 'GET',
              route: '/status/:code',
              statusCode: 201,
              queryCount: 0,
            }),
          },
        ]);
      });

      it('logs a hook that throws; the response is unchanged and the request still recorded', async () => {
        const { logger, lines } = capturingLogger();
        const app = await start(framework, {
          logger,
          beforeRecord: () => {
            throw new Error('before went wrong');
          },
          afterRecord: async () => {
            throw new Error('after went wrong');
          },
        });
        expect(await send(app, '/users/1')).toEqual(USER_1);
        expect(await counts(app.routeperf)).toEqual({ 'GET /users/:id': 1 });
        expect(lines.error).toEqual([
          expect.stringContaining('before went wrong'),
          expect.stringContaining('after went wrong'),
        ]);
      });
    });

    it('keeps access records: path with query string, referer, user, message id and correlation id', async () => {
      const app = await start(framework, {
        accessRecords: { enabled: true, trackUser: true },
        getUser: (request: unknown) => framework.header(request, 'x-user'),
      });
      const headers = {
        referer: 'https://example.test/from',
        'x-user': 'alice',
        'x-request-id': 'client-id-0001',
      };
      await send(app, '/users/7?tab=posts&page=2', { headers });
      await send(app, '/api/items/3', withRequestId('not a sane id'));
      await send(app, '/nope');

      const prefix = app.options.tablePrefix;
      const rows = sqliteRows<Record<string, string | null>>(
        app.options.database,
        `select a.request_id, a.correlation_id, a.path, a.referer, a.user_id, r.route
       from ${prefix}access_records a join ${prefix}routes r on r.id = a.route_id order by a.id`,
      );
      expect(rows).toEqual([
        {
          request_id: expect.stringMatching(UUID),
          correlation_id: 'client-id-0001',
          path: '/users/7?tab=posts&page=2',
          referer: 'https://example.test/from',
          user_id: 'alice',
          route: '/users/:id',
        },
        {
          request_id: expect.stringMatching(UUID),
          correlation_id: null,
          path: '/api/items/3',
          referer: null,
          user_id: null,
          route: '/api/items/:itemId',
        },
        {
          request_id: expect.stringMatching(UUID),
          correlation_id: null,
          path: '/nope',
          referer: null,
          user_id: null,
          route: '(unmatched)',
        },
      ]);
      expect(new Set(rows.map((row) => row.request_id)).size).toBe(3);
    });

    describe('200 concurrent first requests through the server', () => {
      describeEachDatabase((database) => {
        it('give one route row with count 200', async () => {
          // Under a loaded machine 200 writes can outlast the default 2 s budget, after which responses go
          // out before their write commits; this test is about the upserts, so the budget is not in play.
          const app = await start(framework, { database: database.url(), syncTimeout: 50_000 });
          defer(() => dropTables(app.options.database, app.options.tablePrefix));
          const statuses = await hammer((i) => `${app.url}/users/${i}`, 200, 200);
          expect(statuses.every((status) => status === 200)).toBe(true);
          expect(await counts(app.routeperf)).toEqual({ 'GET /users/:id': 200 });
        });
      });
    });

    describe.each([
      ['PostgreSQL', 'postgres://postgres@127.0.0.1:1/test'],
      ['MariaDB', 'mysql://root@127.0.0.1:1/test'],
    ])('with %s unreachable', (_, database) => {
      it('answers every request normally, counts each as dropped and logs a few lines only', async () => {
        const requests = 40;
        const { logger, lines } = capturingLogger();
        const app = await start(framework, { database, logger });
        const responses = await Promise.all(
          Array.from({ length: requests }, (_, i) => send(app, `/users/${i}`)),
        );
        expect(responses).toEqual(
          Array.from({ length: requests }, (_, i) => ({ status: 200, body: { id: `${i}` } })),
        );
        expect(app.routeperf.stats()).toMatchObject({ recorded: requests, stored: 0, dropped: requests });
        expect(lines.error[0]).toContain('could not store request metrics');
        expect(lines.error.length).toBeLessThan(requests / 10);
      });
    });

    describe('lifecycle', () => {
      it('close() waits for the writes in flight', async () => {
        let closing: Promise<void> | undefined;
        const app: RunningApp = await start(framework, {
          // Closes while the first write has just started.
          beforeRecord: () => {
            closing ??= Promise.resolve().then(() => app.routeperf.close());
          },
        });
        expect(await send(app, '/users/1')).toEqual(USER_1);
        await closing;
        expect(app.routeperf.stats()).toMatchObject({ recorded: 1, stored: 1, dropped: 0 });
        expect(await counts(await openReader(app.options))).toEqual({ 'GET /users/:id': 1 });
      });

      it('after close() still serves requests, dropping their metrics rather than reopen the database', async () => {
        const { logger, lines } = capturingLogger();
        const app = await start(framework, { logger });
        await send(app, '/users/1');
        await app.routeperf.close();
        expect(await send(app, '/users/2')).toEqual({ status: 200, body: { id: '2' } });
        expect(app.routeperf.stats()).toMatchObject({ recorded: 2, stored: 1, dropped: 1 });
        expect(lines.error).toEqual([expect.stringContaining('routeperf was closed')]);
      });

      it('rejects invalid options with a message naming the key', async () => {
        const options = testOptions({ samplingRate: 'half' as unknown as number });
        await expect(async () => framework.build(options).ready).rejects.toThrow(
          'samplingRate: expected a number from 0 to 1, got "half"',
        );
      });
    });
  });

  describe.each(frameworks.filter((framework) => framework.startsBeforeReady))(
    '$name factory, which returns before routeperf is ready',
    (framework) => {
      it('throws invalid options at call time', () => {
        const options = testOptions({ samplingRat: 0.5 } as RouteperfOptions);
        expect(() => framework.build(options)).toThrow(
          'samplingRat: unknown key; did you mean "samplingRate"?',
        );
      });

      it('serves and records requests that arrive while routeperf is still starting', async () => {
        // The config file finishes loading only when the test says so, which holds routeperf in its start-up.
        const folder = mkdtempSync(join(tmpdir(), 'routeperf-startup-'));
        defer(async () => rmSync(folder, { recursive: true, force: true }));
        const gate = `routeperfStartupGate${uniquePrefix()}`;
        let open!: () => void;
        (globalThis as Record<string, unknown>)[gate] = new Promise<void>((resolve) => {
          open = resolve;
        });
        const configFile = join(folder, 'routeperf.config.mjs');
        writeFileSync(configFile, `await globalThis.${gate};\nexport default {};\n`);

        const app = build(framework, testOptions({ configFile }));
        let started = false;
        app.ready.then(() => {
          started = true;
        });
        const url = await listen(app.server);
        let arrivedBeforeStart: boolean | undefined;
        app.server.once('request', () => {
          arrivedBeforeStart = !started;
          open();
        });

        const response = await fetch(`${url}/users/1`);
        expect({ status: response.status, body: await response.json() }).toEqual(USER_1);
        expect(arrivedBeforeStart).toBe(true);
        expect(await counts(await app.ready)).toEqual({ 'GET /users/:id': 1 });
      });
    },
  );
}
