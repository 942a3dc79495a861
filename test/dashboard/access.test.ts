/**
 * Who gets in, over a real socket: deny by default, Basic authentication, `authorize`, the development-only
 * `allowUnauthenticated`, one-time login links, the CSRF check of the one form, and the security headers of
 * every answer.
 */
import { describe, expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import { createRouteperf } from '../../src/routeperf.js';
import { capturingLogger } from '../support/logger.js';
import { Browser, csrfTokenOf, type Page, startApp, testOptions } from './support.js';

/** Every kind of page and form of the dashboard, and what is not one. */
const EVERY_PAGE: [method: 'GET' | 'POST', path: string][] = [
  ['GET', '/performance'],
  ['GET', '/performance/'],
  ['GET', '/performance/?period=7d&env=test'],
  ['GET', '/performance/routes'],
  ['GET', '/performance/routes?sort=p95&q=users'],
  ['GET', '/performance/nope'],
  ['POST', '/performance/preferences'],
  ['POST', '/performance/'],
];

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function request(
  browser: Browser,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string> = {},
) {
  return method === 'GET'
    ? browser.fetch(path, { headers })
    : browser.fetch(path, {
        method,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'locale=es',
      });
}

function expectSecurityHeaders(page: Page) {
  expect(page.headers.get('content-security-policy')).toBe(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('without access control', () => {
  it('refuses every page with 403 and says which option to set; the app is unaffected', async () => {
    const app = await startApp({ dashboard: {} });
    const browser = new Browser(app.url);
    for (const [method, path] of EVERY_PAGE) {
      const page = await request(browser, method, path);
      expect(page.status, `${method} ${path}`).toBe(403);
      expect(page.body).toContain('<code>dashboard.authorize</code>');
      expect(page.body).toContain('<code>dashboard.basicAuth</code>');
      expect(page.body).toContain('<code>dashboard.allowUnauthenticated: true</code>');
      expect(page.body).not.toContain('name="csrf"');
      expectSecurityHeaders(page);
    }
    expect((await browser.fetch('/hello')).status).toBe(200);
  });
});

describe('basicAuth', () => {
  const dashboard = { basicAuth: { user: 'admin', password: 'correct horse' } };

  it('asks for the password on every page, with a Basic challenge, and lets the right one in', async () => {
    const app = await startApp({ dashboard });
    const browser = new Browser(app.url);
    for (const [method, path] of EVERY_PAGE) {
      const page = await request(browser, method, path);
      expect(page.status, `${method} ${path}`).toBe(401);
      expect(page.headers.get('www-authenticate')).toBe('Basic realm="routeperf dashboard", charset="UTF-8"');
      expectSecurityHeaders(page);
    }
    for (const wrong of [
      basic('admin', 'wrong'),
      basic('root', 'correct horse'),
      basic('admin', ''),
      'Basic !!',
      'Bearer x',
    ])
      expect((await browser.fetch('/performance/', { headers: { authorization: wrong } })).status).toBe(401);
    const right = await browser.fetch('/performance/', {
      headers: { authorization: basic('admin', 'correct horse') },
    });
    expect(right.status).toBe(200);
    expectSecurityHeaders(right);
  });
});

describe('authorize', () => {
  it('lets in what it says yes to, refuses the rest with 403', async () => {
    const seen: string[] = [];
    const app = await startApp({
      dashboard: {
        authorize: (request) => {
          seen.push(`${request.method} ${request.url}`);
          return request.headers['x-admin'] === 'yes';
        },
      },
    });
    const browser = new Browser(app.url);
    for (const [method, path] of EVERY_PAGE) {
      const page = await request(browser, method, path);
      expect(page.status, `${method} ${path}`).toBe(403);
      expect(page.body).toContain('You are not allowed to see this dashboard.');
    }
    expect(
      (await browser.fetch('/performance/routes?sort=count', { headers: { 'x-admin': 'yes' } })).status,
    ).toBe(200);
    expect(seen).toContain('GET /performance/routes?sort=count');
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('session store down');
      },
    ],
    ['rejects', async () => Promise.reject(new Error('session store down'))],
  ])('answers 403 when it %s, logs why, and the app keeps serving', async (_, authorize) => {
    const { logger, lines } = capturingLogger();
    const app = await startApp({ logger, dashboard: { authorize } });
    const browser = new Browser(app.url);
    for (const [method, path] of EVERY_PAGE) expect((await request(browser, method, path)).status).toBe(403);
    expect((await browser.fetch('/hello')).status).toBe(200);
    expect(lines.error).toEqual([]);
    expect(lines.warn).toHaveLength(EVERY_PAGE.length);
    expect(lines.warn[0]).toBe('dashboard.authorize threw, so the request was refused: session store down');
  });

  it('lets nothing in but true: a truthy value refuses too', async () => {
    const app = await startApp({ dashboard: { authorize: () => 'yes' as unknown as boolean } });
    expect((await new Browser(app.url).fetch('/performance/')).status).toBe(403);
  });
});

describe('allowUnauthenticated', () => {
  it('lets anyone in, in development', async () => {
    const app = await startApp({ dashboard: { allowUnauthenticated: true } });
    expect((await new Browser(app.url).fetch('/performance/routes')).status).toBe(200);
  });

  it('is refused outside development, naming the key, what was expected and what was given', async () => {
    for (const environment of ['production', 'test', 'staging']) {
      const error = await createRouteperf(
        testOptions({ environment, dashboard: { allowUnauthenticated: true } }),
      ).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(RouteperfError);
      expect((error as RouteperfError).code).toBe('ROUTEPERF_CONFIG_INVALID');
      expect((error as Error).message).toContain(
        `dashboard.allowUnauthenticated: expected false outside the development environment (environment is "${environment}"; use authorize, basicAuth or a login link from createLoginToken()), got true`,
      );
    }
  });

  it('is refused when an override for the environment turns it on', async () => {
    const options = testOptions({
      environment: 'production',
      dashboard: {},
      overrides: { production: { dashboard: { allowUnauthenticated: true } } },
    });
    await expect(createRouteperf(options)).rejects.toThrow('dashboard.allowUnauthenticated: expected false');
  });
});

describe('one-time login links', () => {
  it('exchange a token once for a session cookie scoped to the dashboard, then refuse it', async () => {
    const app = await startApp({ dashboard: {} });
    const token = app.dashboard.createLoginToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(app.dashboard.createLoginToken()).not.toBe(token);

    const browser = new Browser(app.url);
    const login = await browser.fetch(`/performance/login?token=${token}`);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/performance/');
    expectSecurityHeaders(login);
    const session = login.headers.getSetCookie().find((cookie) => cookie.startsWith('routeperf_session='));
    expect(session).toMatch(
      /^routeperf_session=[A-Za-z0-9_-]{43}; Path=\/performance; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect((await browser.fetch('/performance/')).status).toBe(200);
    expect((await browser.fetch('/performance/routes')).status).toBe(200);

    const again = await new Browser(app.url).fetch(`/performance/login?token=${token}`);
    expect(again.status).toBe(403);
    expect(again.body).toContain('This login link is not valid');
    expect(again.headers.getSetCookie().some((cookie) => cookie.startsWith('routeperf_session='))).toBe(
      false,
    );
    for (const wrong of [
      '',
      'nope',
      `${token.slice(0, -1)}A`,
      app.dashboard.createLoginToken().toUpperCase(),
    ])
      expect(
        (await new Browser(app.url).fetch(`/performance/login?token=${encodeURIComponent(wrong)}`)).status,
      ).toBe(403);
    // A session cookie that no login gave lets nobody in.
    const forged = await new Browser(app.url).fetch('/performance/', {
      headers: { cookie: `routeperf_session=${'a'.repeat(43)}` },
    });
    expect(forged.status).toBe(403);
  });

  it('also let a browser in when authorize or basicAuth would refuse it', async () => {
    const app = await startApp({ dashboard: { basicAuth: { user: 'admin', password: 'secret' } } });
    const browser = new Browser(app.url);
    expect((await browser.fetch('/performance/')).status).toBe(401);
    await browser.login(app.dashboard);
    expect((await browser.fetch('/performance/')).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses a POST without the token, or with another, and accepts the right one with a 303', async () => {
    const app = await startApp({ dashboard: { allowUnauthenticated: true } });
    const browser = new Browser(app.url);
    const page = await browser.fetch('/performance/routes?sort=count');
    const token = csrfTokenOf(page.body);
    const cookie = page.headers.getSetCookie().find((value) => value.startsWith('routeperf_csrf='));
    expect(cookie).toBe(`routeperf_csrf=${token}; Path=/performance; HttpOnly; SameSite=Strict`);

    const fields = { locale: 'es', theme: 'dark', back: '/performance/routes?sort=count' };
    const missing = await browser.postForm('/performance/preferences', fields);
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('The form has expired');
    expectSecurityHeaders(missing);
    expect((await browser.postForm('/performance/preferences', { ...fields, csrf: '' })).status).toBe(403);
    expect(
      (await browser.postForm('/performance/preferences', { ...fields, csrf: `${token}x` })).status,
    ).toBe(403);
    // The right field without its cookie: another site's form, which the browser sends without it.
    const stranger = new Browser(app.url);
    expect((await stranger.postForm('/performance/preferences', { ...fields, csrf: token })).status).toBe(
      403,
    );
    expect((await browser.fetch('/performance/routes')).body).toContain('<html lang="en" data-theme="auto">');

    const saved = await browser.postForm('/performance/preferences', { ...fields, csrf: token });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/performance/routes?sort=count');
    expect(saved.headers.getSetCookie()).toContain(
      'routeperf_prefs=es.dark; Path=/performance; HttpOnly; SameSite=Strict; Max-Age=31536000',
    );
    expectSecurityHeaders(saved);
    expect((await browser.fetch('/performance/routes')).body).toContain('<html lang="es" data-theme="dark">');
  });

  it('goes back only to a page of the dashboard', async () => {
    const app = await startApp({ dashboard: { allowUnauthenticated: true } });
    const browser = new Browser(app.url);
    const csrf = csrfTokenOf((await browser.fetch('/performance/')).body);
    for (const back of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      '/hello',
      '/performancex',
      'javascript:alert(1)',
      '/performance/../hello',
    ]) {
      const saved = await browser.postForm('/performance/preferences', { csrf, back, theme: 'light' });
      expect(saved.status, back).toBe(303);
      expect(saved.headers.get('location'), back).toBe('/performance/');
    }
    const encoded = await browser.postForm('/performance/preferences', {
      csrf,
      back: '/performance/routes?q=é',
    });
    expect(encoded.headers.get('location')).toBe('/performance/routes?q=%C3%A9');
  });
});

describe('security headers', () => {
  it('are on every answer: pages, assets, redirects, refusals and errors', async () => {
    const app = await startApp({ dashboard: { basicAuth: { user: 'a', password: 'b' } } });
    const browser = new Browser(app.url);
    const auth = { authorization: basic('a', 'b') };
    const overview = await browser.fetch('/performance/', { headers: auth });
    expect(overview.headers.get('cache-control')).toBe('no-store');
    const assets = [...overview.body.matchAll(/(?:href|src)="(\/performance\/assets\/[^"]+)"/g)].map(
      (match) => match[1]!,
    );
    expect(assets).toHaveLength(4);
    const answers = [
      overview,
      await browser.fetch('/performance/routes', { headers: auth }),
      await browser.fetch('/performance/nope', { headers: auth }),
      await browser.fetch('/performance/routes', { method: 'DELETE', headers: auth }),
      await browser.fetch('/performance/'),
      await browser.fetch('/performance/login?token=x'),
      await browser.login(app.dashboard),
      await browser.fetch('/performance/assets/nope.js'),
      ...(await Promise.all(assets.map((asset) => browser.fetch(asset)))),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([
      200, 200, 404, 405, 401, 403, 303, 404, 200, 200, 200, 200,
    ]);
    for (const answer of answers) expectSecurityHeaders(answer);
    const script = await browser.fetch(assets.find((asset) => /dashboard\.[0-9a-f]+\.js$/.test(asset))!);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });
});
