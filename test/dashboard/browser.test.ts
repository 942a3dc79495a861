/**
 * The dashboard in a real headless Chromium, over a day of realistic seeded traffic: log in with a
 * one-time link, read the overview (its chart drawn by uPlot), open a route's page from it, sort, filter
 * and page the routes, read the access times, switch theme and language, with no console error and no CSP
 * violation on the way. It takes the screenshots of docs/images over the same traffic at fixed dates (a
 * fixed seed and a custom period), so that they change only when the pages do; it writes them only with
 * ROUTEPERF_SCREENSHOTS=1. Without /usr/bin/chromium it is skipped with the reason, except in CI, where it
 * fails.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser as Chromium, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { describeWithService } from '../support/databases.js';
import { type App, metrics, renderedRows, startApp, store } from './support.js';

/** The browser globals of the functions that run in the page: the tests compile without the DOM library. */
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const MIB = 1024 * 1024;

interface Traffic {
  method: string;
  route: string;
  /** Requests per 10 minutes at the busiest hour. */
  rate: number;
  /** Typical request time, ms. */
  time: number;
  queries: number;
  /** Share of 5xx, and of 4xx, answers. */
  errors?: number;
  clientErrors?: number;
  /** Requests that repeat one statement past nPlusOneThreshold. */
  nPlusOne?: boolean;
}

const TRAFFIC: Traffic[] = [
  { method: 'GET', route: '/api/products', rate: 40, time: 35, queries: 3 },
  { method: 'GET', route: '/api/products/:id', rate: 60, time: 18, queries: 2, clientErrors: 0.05 },
  { method: 'GET', route: '/api/search', rate: 25, time: 420, queries: 6 },
  { method: 'POST', route: '/api/cart', rate: 15, time: 55, queries: 5, errors: 0.02 },
  { method: 'GET', route: '/api/orders/:id', rate: 12, time: 160, queries: 34, nPlusOne: true },
  { method: 'POST', route: '/api/checkout', rate: 6, time: 640, queries: 12, errors: 0.06 },
  { method: 'POST', route: '/api/login', rate: 8, time: 90, queries: 2, clientErrors: 0.2 },
  { method: 'GET', route: '/api/reports/export', rate: 1, time: 1900, queries: 58 },
  { method: 'GET', route: '/health', rate: 30, time: 1, queries: 0 },
  { method: 'DELETE', route: '/api/cart/:item', rate: 4, time: 40, queries: 3 },
  // Back-office routes with a little traffic each: enough routes for a second page.
  ...Array.from({ length: 20 }, (_, i) => ({
    method: i % 3 === 0 ? 'POST' : 'GET',
    route: `/admin/${['users', 'teams', 'invoices', 'coupons', 'stock'][i % 5]}/${['list', 'edit', 'view', 'audit'][Math.floor(i / 5)]}`,
    rate: 1,
    time: 30 + i * 7,
    queries: 2 + (i % 6),
  })),
];

/** Numbers from 0 to 1 that are the same on every run: a linear congruential generator from `seed`. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * A day of requests before `now` in `environment`, 10 minutes apart, busier in the afternoon, with some
 * spread in every figure; `scale` thins it (a quieter day).
 */
function dayOfTraffic(now = Date.now(), environment = 'development', scale = 1, seed = 42): RequestMetrics[] {
  const random = seeded(seed);
  const batch: RequestMetrics[] = [];
  for (let slot = 0; slot < 143; slot++) {
    const minutesAgo = 1 + slot * 10;
    const load = 0.35 + 0.65 * Math.max(0, Math.sin(((1440 - minutesAgo) / 1440) * Math.PI));
    for (const traffic of TRAFFIC) {
      const expected = traffic.rate * scale * load * (0.6 + random() * 0.4);
      // Thinned, a route of little traffic still comes now and then: rounded up as often as it is worth.
      const count = scale < 1 ? Math.floor(expected + random()) : Math.round(expected);
      for (let i = 0; i < count; i++) {
        const roll = random();
        const statusCode =
          roll < (traffic.errors ?? 0) ? 500 : roll > 1 - (traffic.clientErrors ?? 0) ? 404 : 200;
        const repeats = traffic.nPlusOne && random() < 0.4;
        batch.push(
          metrics({
            environment,
            ts: Math.round(now - (minutesAgo + random() * 9) * 60_000),
            method: traffic.method,
            route: traffic.route,
            path: traffic.route.replace(':id', String(Math.floor(random() * 900) + 100)),
            statusCode,
            requestTime: traffic.time * (0.5 + random() ** 3 * 2.5) * (0.8 + load * 0.4),
            queryCount: Math.max(0, Math.round(traffic.queries * (0.7 + random() * 0.6))),
            queryTime: traffic.queries * (0.4 + random()),
            memory: (80 + random() * 60) * MIB,
            ...(repeats
              ? { queryRepeat: 9, repeatedQuery: 'select * from order_items where order_id = ?' }
              : {}),
          }),
        );
      }
    }
  }
  return batch;
}

/**
 * The fixed end of the screenshots' traffic, in production: a Saturday at midnight UTC. A week of it,
 * weekdays busier than the weekend, each day busiest around noon UTC.
 */
const FIXED_END = Date.UTC(2024, 5, 8);
const DAY_MS = 86_400_000;
const at = (time: number) => new Date(time).toISOString().slice(0, 16);
const FIXED_DAY = `env=production&period=custom&from=${at(FIXED_END - DAY_MS)}&to=${at(FIXED_END)}`;
const FIXED_WEEK = `env=production&period=custom&from=${at(FIXED_END - 7 * DAY_MS)}&to=${at(FIXED_END)}`;

function weekOfTraffic(): RequestMetrics[] {
  return Array.from({ length: 7 }, (_, day) => {
    const end = FIXED_END - day * DAY_MS;
    const weekday = new Date(end - 1).getUTCDay();
    const scale = weekday === 0 || weekday === 6 ? 0.1 : 0.35;
    return dayOfTraffic(end, 'production', scale, 42 + day);
  }).flat();
}

/** Whether to write the screenshots into docs/images (they are taken and checked either way). */
const WRITE_SCREENSHOTS = process.env.ROUTEPERF_SCREENSHOTS === '1';

const reason = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed`;

describeWithService('the dashboard in Chromium', 'Chromium', reason, () => {
  let app: App;
  let browser: Chromium;
  const closing: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    app = await startApp(
      {
        dashboard: {},
        thresholds: { memory: { warning: 120 * MIB, critical: 200 * MIB } },
        accessRecords: { enabled: true },
        // The screenshots' week, at fixed past dates, keeps its minutes.
        retention: { minutes: null, hours: null, days: null },
      },
      (task) => closing.push(task),
    );
    const traffic = [...dayOfTraffic(), ...weekOfTraffic()];
    for (let from = 0; from < traffic.length; from += 2000)
      await store(app.routeperf, traffic.slice(from, from + 2000));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const close of closing) await close();
  });

  /** A page that records console errors, uncaught errors and CSP violations. */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event: any) => {
        window.reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    return { page, problems };
  }

  /** Whether every chart of the page has pixels drawn on its canvas. */
  const chartDrawn = (page: Page) =>
    page.evaluate(() => {
      const areas = [...document.querySelectorAll('[data-chart]')];
      return (
        areas.length > 0 &&
        areas.every((area: any) => {
          const canvas = area.getAttribute('data-drawn') === 'true' && area.querySelector('canvas');
          if (!canvas) return false;
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
          return painted > 1000;
        })
      );
    });

  /** Waits for the page's charts, then checks that each has been drawn. */
  async function expectChartsDrawn(page: Page, count: number) {
    await expect.poll(() => page.locator('[data-chart][data-drawn="true"] canvas').count()).toBe(count);
    expect(await chartDrawn(page)).toBe(true);
  }

  /** A screenshot of the viewport, always taken and checked; written to docs/images with ROUTEPERF_SCREENSHOTS=1. */
  async function screenshot(page: Page, name: string) {
    const image = await page.screenshot();
    expect(image.length).toBeGreaterThan(10_000);
    expect([...image.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG');
    if (WRITE_SCREENSHOTS) {
      mkdirSync(IMAGES, { recursive: true });
      writeFileSync(`${IMAGES}${name}`, image);
    }
  }

  const rows = async (page: Page) => renderedRows(await page.content());

  it('logs in, walks overview and routes, switches theme and language, without an error', async () => {
    const { page, problems } = await openPage();
    const base = `${app.url}/performance`;
    await page.goto(`${base}/login?token=${app.dashboard.createLoginToken()}`);
    expect(page.url()).toBe(`${base}/`);
    await expectChartsDrawn(page, 1);
    expect(await page.locator('.kpi').count()).toBe(8);
    expect(await page.locator('.tops li').count()).toBe(15);

    // A route's page, from the first of the overview's slowest: its four charts drawn.
    await page.click('.tops section:first-child li:first-child a');
    expect(await page.textContent('h1')).toBe('GET /api/reports/export');
    await expectChartsDrawn(page, 4);
    expect(await page.locator('tr[data-request]').count()).toBe(10);
    expect(await page.isVisible('form[data-action="review"]')).toBe(true);

    // Access times: the heatmap and the two bar charts.
    await page.click('nav a[href="/performance/access"]');
    await expectChartsDrawn(page, 2);
    expect(await page.locator('.heatmap .cell').count()).toBe(7 * 24);
    expect(await page.textContent('main')).toContain('times are in UTC');

    await page.click('nav a[href="/performance/routes"]');
    expect(await rows(page)).toHaveLength(25);
    await page.click('th[data-sort="p95"] a');
    expect(page.url()).toContain('sort=p95&order=desc');
    const byP95 = await rows(page);
    expect(byP95.slice(0, 2)).toEqual(['GET /api/reports/export', 'POST /api/checkout']);
    await page.click('th[data-sort="p95"] a');
    expect((await rows(page))[0]).toBe('GET /health');

    await page.click('a[rel="next"]');
    expect(await page.textContent('.pager')).toContain('Page 2 of 2');
    expect(await rows(page)).toHaveLength(TRAFFIC.length - 25);

    await page.fill('input[name="q"]', '/api/cart');
    await page.selectOption('select[name="method"]', 'POST');
    await page.click('form.filters button[type="submit"]');
    expect(await rows(page)).toEqual(['POST /api/cart']);
    await page.selectOption('select[name="method"]', '');
    await page.selectOption('select[name="status"]', '5xx');
    await page.click('form.filters button[type="submit"]');
    expect((await rows(page)).sort()).toEqual(['POST /api/cart']);

    // The period selector applies on change; the custom range's inputs show only for "custom".
    await expect.poll(() => page.isVisible('input[name="from"]')).toBe(false);
    await Promise.all([page.waitForURL(/period=1h/), page.selectOption('select[name="period"]', '1h')]);
    await page.selectOption('select[name="period"]', 'custom');
    expect(await page.isVisible('input[name="from"]')).toBe(true);

    await page.click('.prefs summary');
    await page.selectOption('select[name="theme"]', 'dark');
    await page.selectOption('select[name="locale"]', 'es');
    await Promise.all([
      page.waitForURL(/\/performance\/routes\?/),
      page.click('.prefs button[type="submit"]'),
    ]);
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    expect(await page.textContent('h1')).toBe('Rutas');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(15, 18, 22)');
    await page.click('nav a[href="/performance/"]');
    await expectChartsDrawn(page, 1);
    expect(await page.textContent('h1')).toBe('Resumen');
    await page.click('nav a[href="/performance/statistics"]');
    expect(await page.textContent('h1')).toBe('Estadísticas');
    expect(await page.locator('[data-kind="nPlusOne"]').count()).toBeGreaterThan(0);

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('takes the screenshots of docs/images over traffic at fixed dates', async () => {
    const { page, problems } = await openPage();
    const base = `${app.url}/performance`;
    await page.goto(`${base}/login?token=${app.dashboard.createLoginToken()}`);
    await page.goto(`${base}/?${FIXED_DAY}`);
    await expectChartsDrawn(page, 1);
    expect(await page.textContent('.kpi dd')).toBe(String(TRAFFIC.length));
    await screenshot(page, 'dashboard-overview.png');
    await page.goto(`${base}/routes?${FIXED_DAY}&sort=p95&order=desc`);
    expect((await rows(page)).slice(0, 2)).toEqual(['GET /api/reports/export', 'POST /api/checkout']);
    await screenshot(page, 'dashboard-routes.png');
    await page.goto(`${base}/route?${FIXED_DAY}&method=GET&route=%2Fapi%2Forders%2F%3Aid`);
    await expectChartsDrawn(page, 4);
    await screenshot(page, 'dashboard-route.png');
    await page.goto(`${base}/access?${FIXED_WEEK}`);
    await expectChartsDrawn(page, 2);
    await screenshot(page, 'dashboard-access.png');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('reloads the pages by itself with autoRefresh', async () => {
    const refreshing = await startApp({ dashboard: { autoRefresh: 5 } }, (task) => closing.push(task));
    const { page, problems } = await openPage();
    await page.goto(`${refreshing.url}/performance/login?token=${refreshing.dashboard.createLoginToken()}`);
    expect(await page.getAttribute('body', 'data-refresh')).toBe('5');
    const marker = await page.evaluate(() => {
      window.marker = 1;
      return 1;
    });
    expect(marker).toBe(1);
    await page.waitForEvent('load', { timeout: 60_000 });
    expect(await page.evaluate(() => window.marker)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
