/**
 * No query string makes a page fail: random parameters, known names with random values, and random raw
 * text, sent over a real socket to the overview and the routes page, always get the page (200).
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
  app = await startApp({ dashboard: { allowUnauthenticated: true } }, (task) => closing.push(task));
  await store(app.routeperf, [
    metrics({ route: '/users/:id', statusCode: 500, queryRepeat: 7, repeatedQuery: 'select 1' }),
    metrics({ route: '/items', method: 'POST', minutesAgo: 300 }),
    metrics({ route: '/old', minutesAgo: 10 * 24 * 60 }),
  ]);
});

describe.each(['/performance/', '/performance/routes'])('%s', (page) => {
  it('answers 200 to any parameters', async () => {
    const browser = new Browser(app.url);
    await fc.assert(
      fc.asyncProperty(PARAMETERS, async (query) => {
        const answer = await browser.fetch(`${page}?${query}`);
        expect(answer.status, query).toBe(200);
        expect(answer.body).toContain('</html>');
      }),
      { numRuns: 150 },
    );
  });

  it('answers 200 to any raw query text', async () => {
    const browser = new Browser(app.url);
    await fc.assert(
      fc.asyncProperty(RAW, async (query) => {
        const answer = await browser.fetch(`${page}?${query}`);
        expect(answer.status, query).toBe(200);
      }),
      { numRuns: 150 },
    );
  });
});

it('the core handler answers any URL under its path without a 500', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/performance', '/performance/', '/performance/routes'),
      fc.string(),
      async (path, tail) => {
        const answer = await app.dashboard.handle({ method: 'GET', url: `${path}?${tail}`, headers: {} });
        expect(answer?.status, tail).toBe(200);
      },
    ),
    { numRuns: 300 },
  );
});
