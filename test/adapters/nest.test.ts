import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Controller,
  Get,
  type INestApplication,
  Inject,
  type ModuleMetadata,
  NotFoundException,
  UseGuards,
} from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { type NestRouteperfOptions, ROUTEPERF, RouteperfModule } from '../../src/adapters/nest.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { sqliteUrl } from '../support/sqlite.js';
import { controller, NEST_PLATFORMS, type NestPlatform, nestApp } from './nest-app.js';

const defer = deferAfterEach();

function testOptions(extra: NestRouteperfOptions = {}): NestRouteperfOptions {
  return { database: sqliteUrl(), tablePrefix: uniquePrefix(), environment: 'test', ...extra };
}

/** Serves a Nest app with routeperf on `platform`; `configure` sets the app up before it starts. */
async function serve(
  platform: NestPlatform,
  metadata: ModuleMetadata,
  configure?: (app: INestApplication) => void,
) {
  const { server, started } = nestApp(platform, metadata, configure);
  defer(async () => {
    await closeServer(server);
    await (await started.catch(() => undefined))?.close();
  });
  const app = await started;
  return { url: await listen(server), routeperf: app.get<Routeperf>(ROUTEPERF) };
}

/** Starts a Nest app the way apps start: `app.listen()` on the platform's own server. */
async function listening(platform: NestPlatform, metadata: ModuleMetadata) {
  const app = await nestApp(platform, metadata).started;
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

async function get(url: string) {
  const response = await fetch(url);
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json');
  return { status: response.status, body: json ? JSON.parse(text) : text };
}

/**
 * A GET on a connection of its own, closed after the response: a kept-alive connection would hold the
 * server's close() for its keep-alive timeout (72 s with Fastify).
 */
async function getOnce(url: string): Promise<number> {
  const [response] = (await once(httpGet(url, { agent: false }), 'response')) as [IncomingMessage];
  response.resume();
  await once(response, 'end');
  return response.statusCode ?? 0;
}

/** "METHOD route status" → count. */
async function recorded(routeperf: Routeperf) {
  const routes = await routeperf.routes();
  return Object.fromEntries(
    routes.flatMap((route) =>
      Object.entries(route.statusCodes).map(([status, count]) => [
        `${route.method} ${route.route} ${status}`,
        count,
      ]),
    ),
  );
}

const send = (body: unknown) => (_req: unknown, res: any) => res.status(200).send(body);

describe.each(NEST_PLATFORMS)('Nest on %s', (platform) => {
  it('records routes under global prefix, controller path and method path; other paths as (unmatched)', async () => {
    const users = controller('users', [
      { method: 'GET', path: ':id', handle: (req, res) => res.send({ id: req.params.id }) },
      { method: 'GET', path: ':id/posts/:postId', handle: (req, res) => res.send(req.params) },
    ]);
    const { url, routeperf } = await serve(
      platform,
      { imports: [RouteperfModule.forRoot(testOptions())], controllers: [users] },
      (app) => app.setGlobalPrefix('v1'),
    );
    expect(await get(`${url}/v1/users/1`)).toEqual({ status: 200, body: { id: '1' } });
    await get(`${url}/v1/users/1/posts/2`);
    expect((await get(`${url}/users/1`)).status).toBe(404);
    expect(await recorded(routeperf)).toEqual({
      'GET /v1/users/:id 200': 1,
      'GET /v1/users/:id/posts/:postId 200': 1,
      'GET (unmatched) 404': 1,
    });
  });

  it("records a matched route's exceptions and guard refusals under the route, with their status", async () => {
    const refuse = { canActivate: () => false };
    const guarded = controller('', [
      {
        method: 'GET',
        path: 'users/:id',
        handle: (req) => {
          throw new NotFoundException(`no user ${req.params.id}`);
        },
      },
      { method: 'GET', path: 'admin', handle: send({ secret: true }) },
    ]);
    const admin = Object.getOwnPropertyDescriptor(guarded.prototype, 'route1')!;
    UseGuards(refuse)(guarded.prototype, 'route1', admin);
    const { url, routeperf } = await serve(platform, {
      imports: [RouteperfModule.forRoot(testOptions())],
      controllers: [guarded],
    });
    expect((await get(`${url}/users/1`)).status).toBe(404);
    expect((await get(`${url}/admin`)).status).toBe(403);
    expect(await recorded(routeperf)).toEqual({ 'GET /users/:id 404': 1, 'GET /admin 403': 1 });
  });

  it('gives the app its routeperf to inject with the ROUTEPERF token', async () => {
    class ReportController {
      constructor(private readonly routeperf: Routeperf) {}
      async report() {
        const routes = await this.routeperf.routes();
        return routes.map((route) => ({ route: route.route, count: route.count }));
      }
    }
    Inject(ROUTEPERF)(ReportController, undefined, 0);
    Get('report')(
      ReportController.prototype,
      'report',
      Object.getOwnPropertyDescriptor(ReportController.prototype, 'report')!,
    );
    Controller('')(ReportController);
    const { url } = await serve(platform, {
      imports: [RouteperfModule.forRoot(testOptions())],
      controllers: [
        ReportController,
        controller('', [{ method: 'GET', path: 'ping', handle: send('pong') }]),
      ],
    });
    await fetch(`${url}/ping`);
    await fetch(`${url}/ping`);
    expect(await get(`${url}/report`)).toEqual({ status: 200, body: [{ route: '/ping', count: 2 }] });
  });

  it('closes the routeperf it created once the server has closed, after the requests in flight are stored', async () => {
    let enter!: () => void;
    const entered = new Promise<void>((resolve) => {
      enter = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = controller('', [
      {
        method: 'GET',
        path: 'slow',
        async handle(_req, res) {
          enter();
          await released;
          res.send({ done: true });
        },
      },
    ]);
    // The request ends once Nest has run the hooks before closing the server: a routeperf closed by
    // then would drop it.
    const releaseBeforeServerCloses = {
      provide: 'release',
      useValue: { beforeApplicationShutdown: release },
    };
    const { app, url } = await listening(platform, {
      imports: [RouteperfModule.forRoot(testOptions())],
      controllers: [slow],
      providers: [releaseBeforeServerCloses],
    });
    const routeperf = app.get<Routeperf>(ROUTEPERF);
    const close = vi.spyOn(routeperf, 'close');
    const status = getOnce(`${url}/slow`);
    await entered;
    await app.close();
    expect(await status).toBe(200);
    expect(close).toHaveBeenCalledTimes(1);
    expect(routeperf.stats()).toMatchObject({ recorded: 1, stored: 1, dropped: 0 });
  });

  it('records through a routeperf the app gave it, and leaves it open', async () => {
    const given = await createRouteperf(testOptions() as Parameters<typeof createRouteperf>[0]);
    defer(() => given.close());
    const close = vi.spyOn(given, 'close');
    const { app, url } = await listening(platform, {
      imports: [RouteperfModule.forRoot({ routeperf: given })],
      controllers: [controller('', [{ method: 'GET', path: 'ping', handle: send('pong') }])],
    });
    expect(app.get(ROUTEPERF)).toBe(given);
    expect(await getOnce(`${url}/ping`)).toBe(200);
    await app.close();
    expect(close).not.toHaveBeenCalled();
    expect(await recorded(given)).toEqual({ 'GET /ping 200': 1 });
  });

  it('fails to create the app with the error of an invalid config file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'routeperf-nest-'));
    defer(() => rmSync(folder, { recursive: true, force: true }));
    const configFile = join(folder, 'routeperf.config.mjs');
    writeFileSync(configFile, 'export default { samplingRate: 2 };\n');
    const { started } = nestApp(platform, {
      imports: [RouteperfModule.forRoot(testOptions({ configFile }))],
    });
    await expect(started).rejects.toThrow('samplingRate: expected a number from 0 to 1, got 2');
  });
});

it('throws invalid options from forRoot, where the app declares its modules', () => {
  expect(() => RouteperfModule.forRoot({ samplingRat: 0.5 } as NestRouteperfOptions)).toThrow(
    'samplingRat: unknown key; did you mean "samplingRate"?',
  );
});
