/**
 * No query string makes a page fail: random parameters, known names with random values, and random raw
 * text, sent over a real socket to every page and download, always get the page (200).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, Browser, metrics, startApp, store } from './support.js';

const NAMES = [
  'env',
  'period',
  'from',
  'to',
  'q',
  'method',
  'status',
  'minAvg',
  'maxAvg',
  'minQueries',
  'maxQueries',
  'sort',
  'order',
  'page',
  'size',
  'route',
  'path',
  'referer',
  'user',
  'minTime',
  'maxTime',
  'done',
  'changed',
];

const PAGES = [
  '/performance/',
  '/performance/routes',
  '/performance/route',
  // Random parameters after a real route's: its page with every other value random.
  '/performance/route?method=GET&route=%2Fusers%2F%3Aid',
  '/performance/statistics',
  '/performance/access',
  '/performance/records',
  '/performance/diagnose',
];
const DOWNLOADS = [
  '/performance/export/routes.csv',
  '/performance/export/routes.json',
  '/performance/export/records.csv',
  '/performance/export/records.json',
];

/** Values near the valid ones: right, almost right, huge, negative, empty, malformed. */
const VALUE = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '1h',
    '7d',
    'custom',
    '2024-02-30T10:00',
    '2024-05-01T12:00',
    '1970-01-01T00:00',
    '9999-12-31T23:59',
    'p95',
    'asc',
    'DESC',
    '5xx',
    '25',
    '100',
    '0',
    '-1',
    '1e309',
    'NaN',
    'Infinity',
    '99999999999999999999',
    'production',
    '/users/:id',
    '/items',
    'GET',
    'POST',
    '404',
    '599',
    'createdAt',
    'requestTime',
    'statusCode',
    'review',
    '<script>',
    '%',
    '%E0%A4%A',
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

const PARAMETERS = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), fc.string()), VALUE), { maxLength: 12 })
  .map((pairs) => new URLSearchParams(pairs).toString());

/** Raw query text, percent signs and all, as a client may send it without encoding anything. */
const RAW = fc
  .string({ maxLength: 200 })
  .map((text) => text.replace(/[#\s]/g, '').replace(/[^\x21-\x7e]/g, encodeURIComponent));

let app: App;
const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closing) await close();
});

beforeAll(async () => {
  app = await startApp(
    { dashboard: { allowUnauthenticated: true }, accessRecords: { enabled: true } },
    (task) => closing.push(task),
  );
  await store(app.routeperf, [
    metrics({
      route: '/users/:id',
      statusCode: 500,
      queryRepeat: 7,
      repeatedQuery: 'select 1',
      path: '/users/1',
      referer: 'https://example.com/',
      userId: 'u1',
    }),
    metrics({ route: '/items', method: 'POST', minutesAgo: 300 }),
    metrics({ route: '/old', minutesAgo: 10 * 24 * 60 }),
  ]);
});

describe.each([...PAGES, ...DOWNLOADS])('%s', (page) => {
  it('answers 200 to any parameters', async () => {
    const browser = new Browser(app.url);
    await fc.assert(
      fc.asyncProperty(PARAMETERS, async (query) => {
        const answer = await browser.fetch(`${page}${page.includes('?') ? '&' : '?'}${query}`);
        expect(answer.status, query).toBe(200);
        if (!page.includes('/export/')) expect(answer.body).toContain('</html>');
      }),
      { numRuns: 100 },
    );
  });

  it('answers 200 to any raw query text', async () => {
    const browser = new Browser(app.url);
    await fc.assert(
      fc.asyncProperty(RAW, async (query) => {
        const answer = await browser.fetch(`${page}${page.includes('?') ? '&' : '?'}${query}`);
        expect(answer.status, query).toBe(200);
      }),
      { numRuns: 100 },
    );
  });
});

it('the core handler answers any URL under its path without a 500', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/performance', ...PAGES, ...DOWNLOADS),
      fc.string(),
      async (path, tail) => {
        const answer = await app.dashboard.handle({
          method: 'GET',
          url: `${path}${path.includes('?') ? '&' : '?'}${tail}`,
          headers: {},
        });
        expect(answer?.status, tail).toBe(200);
      },
    ),
    { numRuns: 300 },
  );
});
