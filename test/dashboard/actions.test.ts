/**
 * The dashboard's actions over a real SQLite store and real sockets. For each action: off by
 * configuration, it does not exist (404) and its form is not shown; without the CSRF token, or with
 * another, 403; without the right confirmation, nothing changes and a page asks for it; vetoed by
 * `hooks.before`, 403 and nothing changes; done, the change shows in a later read and `hooks.after` heard
 * of it.
 */
import { describe, expect, it } from 'vitest';
import type {
  DashboardAction,
  DashboardActionDetails,
  DashboardActionResult,
  RouteperfOptions,
} from '../../src/config/types.js';
import type { Routeperf } from '../../src/routeperf.js';
import { type App, Browser, csrfTokenOf, metrics, startApp, store } from './support.js';

const DAY = 24 * 60;
const ALL_ON = {
  review: true,
  deleteRoute: true,
  clearEnvironment: true,
  purgeRecords: true,
  deleteRecords: true,
};

interface Hooked {
  app: App;
  browser: Browser;
  csrf: string;
  calls: {
    phase: 'before' | 'after';
    action: DashboardAction;
    details: DashboardActionDetails;
    result?: DashboardActionResult;
  }[];
  /** What `before` does next: let it happen, say no, or throw. */
  veto: { mode: 'allow' | 'refuse' | 'throw' };
}

/** An app with every action on, hooks that record their calls, seeded data, and a browser with its CSRF cookie. */
async function hookedApp(extra: RouteperfOptions = {}): Promise<Hooked> {
  const calls: Hooked['calls'] = [];
  const veto: Hooked['veto'] = { mode: 'allow' };
  const app = await startApp({
    dashboard: {
      allowUnauthenticated: true,
      actions: ALL_ON,
      hooks: {
        before: (action, details) => {
          calls.push({ phase: 'before', action, details });
          if (veto.mode === 'throw') throw new Error('no way');
          return veto.mode === 'allow';
        },
        after: (action, details, result) => {
          calls.push({ phase: 'after', action, details, result });
        },
      },
    },
    accessRecords: { enabled: true },
    ...extra,
  });
  await store(app.routeperf, [
    metrics({ route: '/a', path: '/a' }),
    metrics({ route: '/b', path: '/b', statusCode: 500 }),
    metrics({ route: '/b', path: '/b?old', minutesAgo: 10 * DAY }),
    metrics({ route: '/c', path: '/c', statusCode: 503 }),
    metrics({ environment: 'test', route: '/t', path: '/t' }),
  ]);
  const browser = new Browser(app.url);
  const csrf = csrfTokenOf((await browser.fetch('/performance/')).body);
  return { app, browser, csrf, calls, veto };
}

const since = () => Date.now() - 30 * DAY * 60_000;

/** Each action: a form that does it, and what a read says before and after. */
const CASES: Record<
  DashboardAction,
  { fields: Record<string, string>; confirm: string; state: (routeperf: Routeperf) => Promise<unknown> }
> = {
  review: {
    fields: {
      env: 'development',
      method: 'GET',
      route: '/a',
      queriesImproved: 'yes',
      timeImproved: 'no',
      reviewer: 'ana',
    },
    confirm: '/a',
    state: async (routeperf) => {
      const [route] = (await routeperf.routesPage({ route: '/a', method: 'GET', limit: 1 })).routes;
      const review = route!.review;
      return review && { ...review, reviewedAt: typeof review.reviewedAt };
    },
  },
  deleteRoute: {
    fields: { env: 'development', method: 'GET', route: '/b' },
    confirm: '/b',
    state: async (routeperf) =>
      (await routeperf.summary({ route: '/b', method: 'GET', since: since() })).count,
  },
  clearEnvironment: {
    fields: { env: 'test' },
    confirm: 'test',
    state: async (routeperf) => (await routeperf.summary({ environment: 'test', since: since() })).count,
  },
  purgeRecords: {
    fields: { env: 'development', days: '5' },
    confirm: 'development',
    state: async (routeperf) => (await routeperf.accessRecords({ since: 0 })).total,
  },
  deleteRecords: {
    fields: { env: 'development', period: '24h', status: '5xx' },
    confirm: 'development',
    state: async (routeperf) => (await routeperf.accessRecords({ since: 0, status: '5xx' })).total,
  },
};

const AFTER: Record<DashboardAction, unknown> = {
  review: { reviewer: 'ana', queriesImproved: true, timeImproved: false, reviewedAt: 'object' },
  deleteRoute: 0,
  clearEnvironment: 0,
  purgeRecords: 3,
  deleteRecords: 0,
};

const CHANGED: Record<DashboardAction, number> = {
  review: 1,
  deleteRoute: 2,
  clearEnvironment: 1,
  purgeRecords: 1,
  deleteRecords: 2,
};

describe.each(Object.keys(CASES) as DashboardAction[])('%s', (action) => {
  const { fields, confirm, state } = CASES[action];
  const path = `/performance/actions/${action}`;

  it('is refused without the CSRF token or with another, unconfirmed or vetoed, and changes nothing', async () => {
    const { app, browser, csrf, calls, veto } = await hookedApp();
    const before = await state(app.routeperf);
    const withoutToken = await browser.postForm(path, { ...fields, confirm });
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.body).toContain('The form has expired');
    const otherToken = await browser.postForm(path, { ...fields, confirm, csrf: 'x'.repeat(43) });
    expect(otherToken.status).toBe(403);
    const noCookie = await new Browser(app.url).postForm(path, { ...fields, confirm, csrf });
    expect(noCookie.status).toBe(403);

    for (const given of [undefined, '', 'wrong', ` ${confirm}`]) {
      const unconfirmed = await browser.postForm(path, {
        ...fields,
        csrf,
        ...(given === undefined ? {} : { confirm: given }),
      });
      expect(unconfirmed.status).toBe(200);
      expect(unconfirmed.body).toContain(`data-confirm="${action}"`);
      expect(unconfirmed.body).toContain(`Type ${confirm} to confirm`);
      // The same fields again, for the user to confirm.
      for (const [name, value] of Object.entries(fields))
        expect(unconfirmed.body).toContain(`name="${name}" value="${value}"`);
    }
    expect(calls).toEqual([]);

    veto.mode = 'refuse';
    const refused = await browser.postForm(path, { ...fields, confirm, csrf });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('dashboard.hooks.before refused this action; nothing was changed.');
    veto.mode = 'throw';
    expect((await browser.postForm(path, { ...fields, confirm, csrf })).status).toBe(403);
    expect(calls.map((call) => `${call.phase} ${call.action}`)).toEqual([
      `before ${action}`,
      `before ${action}`,
    ]);
    expect(await state(app.routeperf)).toEqual(before);
  });

  it('is done once confirmed and allowed: a later read shows it, and hooks.after heard of it', async () => {
    const { app, browser, csrf, calls } = await hookedApp();
    const before = await state(app.routeperf);
    expect(before).not.toEqual(AFTER[action]);
    const back = `/performance/routes?env=${fields.env}`;
    const done = await browser.postForm(path, { ...fields, confirm, csrf, back });
    expect(done.status).toBe(303);
    const location = new URL(done.headers.get('location')!, 'http://x');
    expect(location.pathname).toBe('/performance/routes');
    expect(location.searchParams.get('done')).toBe(action);
    expect(location.searchParams.get('changed')).toBe(String(CHANGED[action]));
    expect(await state(app.routeperf)).toEqual(AFTER[action]);
    expect(calls.map((call) => call.phase)).toEqual(['before', 'after']);
    const after = calls[1]!;
    expect(after.action).toBe(action);
    expect(after.result).toEqual({ changed: CHANGED[action] });
    expect(after.details.environment).toBe(fields.env);
    expect(after.details.request.url).toBe(path);
    const notice = await browser.fetch(`${location.pathname}${location.search}`);
    expect(notice.body).toContain('<p class="notice" role="status">');
  });

  it('does not exist when the configuration turns it off, and its form is not shown', async () => {
    const off = await startApp({
      dashboard: { allowUnauthenticated: true, actions: { ...ALL_ON, [action]: false } },
      accessRecords: { enabled: true },
    });
    await store(off.routeperf, [metrics({ route: '/a', path: '/a', statusCode: 500 })]);
    const browser = new Browser(off.url);
    const pages = await Promise.all(
      ['/performance/route?method=GET&route=%2Fa', '/performance/routes', '/performance/records'].map(
        async (page) => (await browser.fetch(page)).body,
      ),
    );
    const csrf = csrfTokenOf(pages[0]!);
    for (const page of pages) expect(page).not.toContain(`action="${path}"`);
    expect(pages.join('')).toContain('data-action=');
    const answer = await browser.postForm(path, { ...fields, confirm, csrf });
    expect(answer.status).toBe(404);
  });
});

describe('the defaults', () => {
  it('offer reviews only; the actions that delete data are off', async () => {
    const app = await startApp({
      dashboard: { allowUnauthenticated: true },
      accessRecords: { enabled: true },
    });
    await store(app.routeperf, [metrics({ route: '/a', path: '/a', statusCode: 500 })]);
    const browser = new Browser(app.url);
    const route = (await browser.fetch('/performance/route?method=GET&route=%2Fa')).body;
    expect(route).toContain('action="/performance/actions/review"');
    expect(route).not.toContain('action="/performance/actions/deleteRoute"');
    const csrf = csrfTokenOf(route);
    for (const action of ['deleteRoute', 'clearEnvironment', 'purgeRecords', 'deleteRecords'] as const) {
      const answer = await browser.postForm(`/performance/actions/${action}`, {
        ...CASES[action].fields,
        confirm: CASES[action].confirm,
        csrf,
      });
      expect(answer.status, action).toBe(404);
    }
    expect((await browser.fetch('/performance/actions/review')).status).toBe(405);
    expect((await browser.postForm('/performance/actions/nothing', { csrf })).status).toBe(404);
  });
});

describe('review', () => {
  it('is reset, and is by the user of Basic authentication unless the form names another', async () => {
    const app = await startApp({
      dashboard: { basicAuth: { user: 'ops', password: 'secret' } },
    });
    await store(app.routeperf, [metrics({ route: '/a' })]);
    const browser = new Browser(app.url);
    const auth = { authorization: `Basic ${Buffer.from('ops:secret').toString('base64')}` };
    const page = await browser.fetch('/performance/route?method=GET&route=%2Fa', { headers: auth });
    expect(page.body).toContain('name="reviewer" maxlength="200" value="ops"');
    const post = (form: Record<string, string>) =>
      browser.fetch('/performance/actions/review', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          csrf: csrfTokenOf(page.body),
          env: 'development',
          method: 'GET',
          route: '/a',
          confirm: '/a',
          ...form,
        }).toString(),
      });
    expect((await post({ queriesImproved: 'yes' })).status).toBe(303);
    const reviewOf = async () =>
      (await app.routeperf.routesPage({ route: '/a', method: 'GET', limit: 1 })).routes[0]!.review;
    expect(await reviewOf()).toMatchObject({ reviewer: 'ops', queriesImproved: true, timeImproved: null });
    const shown = (await browser.fetch('/performance/route?method=GET&route=%2Fa', { headers: auth })).body;
    expect(shown).toContain('data-reviewed="true">Reviewed by ops on');
    expect(shown).toContain('Reset the review');
    const routes = (await browser.fetch('/performance/routes', { headers: auth })).body;
    expect(routes).toContain('<span class="reviewed" title="Reviewed by ops on');
    expect((await post({ reviewer: '' })).status).toBe(303);
    expect(await reviewOf()).toMatchObject({ reviewer: null, queriesImproved: null });
    expect((await post({ op: 'reset' })).status).toBe(303);
    expect(await reviewOf()).toBeNull();
  });

  it('says which form is incomplete, and changes nothing', async () => {
    const { app, browser, csrf } = await hookedApp();
    const answer = await browser.postForm('/performance/actions/review', {
      csrf,
      env: 'development',
      confirm: '/a',
    });
    expect(answer.status).toBe(400);
    const purge = await browser.postForm('/performance/actions/purgeRecords', {
      csrf,
      env: 'development',
      days: '0',
      confirm: 'development',
    });
    expect(purge.status).toBe(400);
    expect((await app.routeperf.accessRecords({ since: 0 })).total).toBe(4);
  });
});
