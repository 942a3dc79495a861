/**
 * The dashboard mounted by every adapter: it answers under `dashboard.path` (pages, assets, the login
 * link, the preferences form with its body), the app's own routes are untouched, and none of the
 * dashboard's requests is recorded, in the store or in the stats.
 */
import { describe, expect, it } from 'vitest';
import { dashboardOf } from '../../src/dashboard/index.js';
import { FRAMEWORKS } from '../adapters/frameworks.js';
import { closeServer, listen } from '../support/http.js';
import { Browser, csrfTokenOf, defer, testOptions } from './support.js';

describe.each(FRAMEWORKS)('$name', (framework) => {
  async function start(dashboard: Record<string, unknown> = { path: '/performance' }) {
    const app = framework.build({ ...testOptions(), environment: 'development', dashboard });
    defer(async () => {
      await closeServer(app.server);
      await app.close();
    });
    const routeperf = await app.ready;
    return { routeperf, url: await listen(app.server), dashboard: dashboardOf(routeperf)! };
  }

  it('answers at dashboard.path, and records none of its requests', async () => {
    const app = await start();
    const browser = new Browser(app.url);
    expect((await browser.fetch('/users/1')).status).toBe(200);

    const login = await browser.login(app.dashboard);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/performance/');
    const overview = await browser.fetch('/performance/');
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('<h1>Overview</h1>');
    const routes = await browser.fetch('/performance/routes?sort=count');
    expect(routes.status).toBe(200);
    expect(routes.body).toContain('data-route="/users/:id"');
    const [, stylesheet] =
      /<link rel="stylesheet" href="(\/performance\/assets\/dashboard\.[0-9a-f]+\.css)">/.exec(
        overview.body,
      )!;
    const css = await browser.fetch(stylesheet!);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await browser.fetch('/performance/nope')).status).toBe(404);
    expect((await new Browser(app.url).fetch('/performance')).status).toBe(403);

    // The app still answers its own routes, and a path that only starts like the dashboard's is the app's.
    expect((await browser.fetch('/users/2')).status).toBe(200);
    expect((await browser.fetch('/performancexyz')).status).toBe(404);
    const recorded = await app.routeperf.routes();
    expect(recorded.map((route) => `${route.method} ${route.route}`).sort()).toEqual([
      'GET (unmatched)',
      'GET /users/:id',
    ]);
    expect(recorded.find((route) => route.route === '/users/:id')?.count).toBe(2);
    expect(app.routeperf.stats().recorded).toBe(3);
  });

  it('reads the preferences form, body parsers or not, and checks its CSRF token', async () => {
    const app = await start();
    const browser = new Browser(app.url);
    await browser.login(app.dashboard);
    const csrf = csrfTokenOf((await browser.fetch('/performance/routes')).body);

    const wrong = await browser.postForm('/performance/preferences', { csrf: 'x'.repeat(43), locale: 'es' });
    expect(wrong.status).toBe(403);
    const saved = await browser.postForm('/performance/preferences', {
      csrf,
      locale: 'es',
      theme: 'dark',
      back: '/performance/routes',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/performance/routes');
    const spanish = await browser.fetch('/performance/routes');
    expect(spanish.body).toContain('<html lang="es" data-theme="dark">');
    expect(app.routeperf.stats().recorded).toBe(0);
  });

  it('mounts at a path of several segments, and not at all without the dashboard key', async () => {
    const app = await start({ path: '/admin/perf', allowUnauthenticated: true });
    expect((await fetch(`${app.url}/admin/perf/routes`)).status).toBe(200);
    expect((await fetch(`${app.url}/performance`)).status).toBe(404);

    const plain = framework.build(testOptions());
    defer(async () => {
      await closeServer(plain.server);
      await plain.close();
    });
    expect(dashboardOf(await plain.ready)).toBeUndefined();
    expect((await fetch(`${await listen(plain.server)}/performance`)).status).toBe(404);
  });
});
