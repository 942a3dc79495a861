/**
 * The routes page over seeded metrics whose every figure differs from route to route: each filter keeps
 * exactly the routes it should, each sort orders the rendered rows as the read API does (and its reverse
 * the other way), pages cut where they should, and the environment and period choose the data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORT_KEYS } from '../../src/dashboard/params.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { type App, Browser, metrics, renderedRows, startApp, store } from './support.js';

interface SeedRoute {
  method: string;
  route: string;
  times: number[];
  statuses: number[];
  queries: number;
  queryTime: number;
  nPlusOne: number;
  memory: number;
  lastMinutesAgo: number;
}

const MB = 1_000_000;
/** Five routes whose counts, error rates, times, queries, N+1s, memory and last requests all differ. */
const SEED: SeedRoute[] = [
  {
    method: 'GET',
    route: '/alpha',
    times: [900, 100],
    statuses: [200, 500],
    queries: 1,
    queryTime: 50,
    nPlusOne: 2,
    memory: 40 * MB,
    lastMinutesAgo: 3,
  },
  {
    method: 'POST',
    route: '/bravo',
    times: [300, 300, 300],
    statuses: [200, 404, 200],
    queries: 10,
    queryTime: 2,
    nPlusOne: 0,
    memory: 10 * MB,
    lastMinutesAgo: 10,
  },
  {
    method: 'GET',
    route: '/charlie',
    times: [50, 60, 70, 1000],
    statuses: [200, 200, 200, 503],
    queries: 3,
    queryTime: 20,
    nPlusOne: 1,
    memory: 30 * MB,
    lastMinutesAgo: 1,
  },
  {
    method: 'PUT',
    route: '/delta',
    times: [200, 210, 220, 230, 240],
    statuses: [200, 500, 500, 200, 201],
    queries: 30,
    queryTime: 1,
    nPlusOne: 4,
    memory: 50 * MB,
    lastMinutesAgo: 20,
  },
  {
    method: 'GET',
    route: '/echo',
    times: [400, 400, 400, 400, 400, 400],
    statuses: [200, 200, 200, 200, 200, 500],
    queries: 6,
    queryTime: 8,
    nPlusOne: 3,
    memory: 20 * MB,
    lastMinutesAgo: 5,
  },
];

function seedMetrics(): RequestMetrics[] {
  return SEED.flatMap((seed) =>
    seed.times.map((requestTime, index) =>
      metrics({
        method: seed.method,
        route: seed.route,
        requestTime,
        statusCode: seed.statuses[index]!,
        queryCount: seed.queries,
        queryTime: seed.queryTime,
        memory: seed.memory,
        minutesAgo: seed.lastMinutesAgo + index,
        // More repeats of one statement than nPlusOneThreshold (5): an N+1 request.
        ...(index < seed.nPlusOne
          ? { queryRepeat: 6, repeatedQuery: 'select * from items where id = ?' }
          : {}),
      }),
    ),
  );
}

/** 60 production routes of one request each, `/p/00` the fastest. */
function productionMetrics(): RequestMetrics[] {
  return Array.from({ length: 60 }, (_, i) =>
    metrics({ environment: 'production', route: `/p/${String(i).padStart(2, '0')}`, requestTime: 10 + i }),
  );
}

let app: App;
let browser: Browser;

async function rows(query: string): Promise<string[]> {
  const page = await browser.fetch(`/performance/routes?${query}`);
  expect(page.status).toBe(200);
  return renderedRows(page.body);
}

const names = (routes: string[]) =>
  routes
    .map((route) => SEED.find((seed) => seed.route === route)!)
    .map((seed) => `${seed.method} ${seed.route}`);

const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closing) await close();
});

beforeAll(async () => {
  app = await startApp({ dashboard: { allowUnauthenticated: true } }, (task) => closing.push(task));
  browser = new Browser(app.url);
  await store(app.routeperf, [
    ...seedMetrics(),
    ...productionMetrics(),
    metrics({ route: '/three-days-ago', minutesAgo: 3 * 24 * 60 }),
  ]);
});

describe('sorting', () => {
  it.each(SORT_KEYS)('by %s orders the rows as the read API does, and the other way round', async (sort) => {
    const api = async (order: 'asc' | 'desc') =>
      (await app.routeperf.routes({ since: Date.now() - 86_400_000, sort, order })).map(
        (route) => `${route.method} ${route.route}`,
      );
    const descending = await rows(`sort=${sort}&order=desc`);
    const ascending = await rows(`sort=${sort}&order=asc`);
    expect(descending).toEqual(await api('desc'));
    expect(ascending).toEqual(await api('asc'));
    expect(descending).toHaveLength(SEED.length);
    expect(ascending).toEqual([...descending].reverse());
  });

  it('gives orders that differ from key to key, by the seeded figures', async () => {
    expect(await rows('sort=count')).toEqual(names(['/echo', '/delta', '/charlie', '/bravo', '/alpha']));
    expect(await rows('sort=avg')).toEqual(names(['/alpha', '/echo', '/bravo', '/charlie', '/delta']));
    expect(await rows('sort=p50')).toEqual(names(['/echo', '/bravo', '/delta', '/alpha', '/charlie']));
    expect(await rows('sort=max')).toEqual(names(['/charlie', '/alpha', '/echo', '/bravo', '/delta']));
    expect(await rows('sort=queries')).toEqual(names(['/delta', '/bravo', '/echo', '/charlie', '/alpha']));
    expect(await rows('sort=queryTime')).toEqual(names(['/alpha', '/charlie', '/echo', '/bravo', '/delta']));
    expect(await rows('sort=nPlusOne')).toEqual(names(['/delta', '/echo', '/alpha', '/charlie', '/bravo']));
    expect(await rows('sort=memory')).toEqual(names(['/delta', '/alpha', '/charlie', '/echo', '/bravo']));
    expect(await rows('sort=lastAccessed')).toEqual(
      names(['/charlie', '/alpha', '/echo', '/bravo', '/delta']),
    );
    expect(await rows('sort=errorRate')).toEqual(names(['/alpha', '/delta', '/charlie', '/echo', '/bravo']));
    expect(await rows('sort=route')).toEqual(names(['/alpha', '/bravo', '/charlie', '/delta', '/echo']));
    // Without a sort: slowest average first, as `routeperf routes`.
    expect(await rows('')).toEqual(await rows('sort=avg&order=desc'));
  });

  it('links each column heading to its sort, flipping the order of the current one', async () => {
    const page = await browser.fetch('/performance/routes?sort=count&order=desc&q=a');
    for (const key of SORT_KEYS) {
      const heading = new RegExp(`data-sort="${key}"[^>]*><a href="([^"]+)"`).exec(page.body);
      const href = heading![1]!.replaceAll('&amp;', '&');
      const order = key === 'count' ? 'asc' : key === 'route' ? 'asc' : 'desc';
      expect(href).toBe(`/performance/routes?env=development&period=24h&q=a&sort=${key}&order=${order}`);
    }
    expect(page.body).toContain('data-sort="count" aria-sort="descending"');
  });
});

describe('filters', () => {
  it.each([
    ['q=ha', ['/alpha', '/charlie']],
    ['q=ECHO', ['/echo']],
    ['method=POST', ['/bravo']],
    ['method=get', ['/alpha', '/charlie', '/echo']],
    ['status=5xx', ['/alpha', '/charlie', '/delta', '/echo']],
    ['status=4xx', ['/bravo']],
    ['status=2xx', ['/alpha', '/bravo', '/charlie', '/delta', '/echo']],
    ['status=3xx', []],
    ['minAvg=296', ['/alpha', '/bravo', '/echo']],
    ['maxAvg=300', ['/bravo', '/charlie', '/delta']],
    ['minAvg=296&maxAvg=450', ['/bravo', '/echo']],
    ['minQueries=6', ['/bravo', '/delta', '/echo']],
    ['maxQueries=6', ['/alpha', '/charlie', '/echo']],
    ['minQueries=2.5&maxQueries=10&method=GET', ['/charlie', '/echo']],
    ['q=ha&status=5xx&minAvg=400', ['/alpha']],
  ])('%s keeps exactly the routes it should', async (query, expected) => {
    const kept = await rows(`${query}&sort=route`);
    expect(kept).toEqual(names(expected));
    const page = await browser.fetch(`/performance/routes?${query}`);
    expect(page.body).toContain(`of ${expected.length}</span>`);
  });

  it('keep their values in the form and in the sort links', async () => {
    const page = await browser.fetch(
      '/performance/routes?q=ha&method=GET&status=5xx&minAvg=1&maxAvg=900&minQueries=0&maxQueries=9',
    );
    for (const field of ['value="ha"', 'value="1"', 'value="900"', 'value="0"', 'value="9"'])
      expect(page.body).toContain(field);
    expect(page.body).toContain('<option value="GET" selected>GET</option>');
    expect(page.body).toContain('<option value="5xx" selected>5xx</option>');
    expect(page.body).toContain(
      'q=ha&amp;method=GET&amp;status=5xx&amp;minAvg=1&amp;maxAvg=900&amp;minQueries=0&amp;maxQueries=9&amp;sort=route',
    );
  });

  it('choose the environment and the period', async () => {
    expect(await rows('env=production&size=100')).toHaveLength(60);
    expect(await rows('env=test')).toEqual([]);
    expect(await rows('sort=route')).not.toContain('GET /three-days-ago');
    expect(await rows('period=7d&sort=route')).toContain('GET /three-days-ago');
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString().slice(0, 16);
    const custom = await rows(`period=custom&from=${at(4 * 24 * 60)}&to=${at(2 * 24 * 60)}`);
    expect(custom).toEqual(['GET /three-days-ago']);
  });
});

describe('pagination', () => {
  const production = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `GET /p/${String(from + i).padStart(2, '0')}`);
  const query = 'env=production&sort=avg&order=asc';

  it('cuts pages of 25 by default, 50 or 100 when asked', async () => {
    expect(await rows(query)).toEqual(production(0, 25));
    expect(await rows(`${query}&page=2`)).toEqual(production(25, 50));
    expect(await rows(`${query}&page=3`)).toEqual(production(50, 60));
    expect(await rows(`${query}&size=50`)).toEqual(production(0, 50));
    expect(await rows(`${query}&size=50&page=2`)).toEqual(production(50, 60));
    expect(await rows(`${query}&size=100`)).toEqual(production(0, 60));
  });

  it('shows the last page for a page past the end, and the defaults for sizes it does not offer', async () => {
    expect(await rows(`${query}&page=99`)).toEqual(production(50, 60));
    expect(await rows(`${query}&size=30`)).toEqual(production(0, 25));
    expect(await rows(`${query}&page=0`)).toEqual(production(0, 25));
  });

  it('links to the pages before and after, keeping the view', async () => {
    const page = (await browser.fetch(`/performance/routes?${query}&page=2&q=p`)).body;
    expect(page).toContain('Page 2 of 3');
    expect(page).toContain('Routes 26 to 50 of 60');
    const link = (rel: string) =>
      new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(link('prev')).toBe('/performance/routes?env=production&period=24h&q=p&sort=avg&order=asc&page=1');
    expect(link('next')).toBe('/performance/routes?env=production&period=24h&q=p&sort=avg&order=asc&page=3');
    const last = (await browser.fetch(`/performance/routes?${query}&page=3`)).body;
    expect(last).toContain('<span class="is-disabled">Next</span>');
  });
});

describe('cells', () => {
  it('are coloured by the thresholds, and a route with 5xx answers has an error badge', async () => {
    const page = (await browser.fetch('/performance/routes?sort=route')).body;
    const row = (route: string) => page.split(`<tr data-route="${route}"`)[1]!.split('</tr>')[0]!;
    // /alpha: 500 ms average (warning from 500), max 900; 40 MB memory (warning from 20 MiB).
    expect(row('/alpha')).toContain('data-level="warning">500 ms</td>');
    expect(row('/alpha')).toContain('<span class="badge">50% errors</span>');
    // /charlie: max 1000 ms, critical from 1000.
    expect(row('/charlie')).toContain('data-level="critical">1,000 ms</td>');
    // /delta: 30 queries (warning from 20); 50 MB is under 50 MiB.
    expect(row('/delta')).toMatch(/data-level="warning">30<\/td>/);
    expect(row('/bravo')).not.toContain('class="badge"');
    expect(row('/bravo')).toContain('404 ×1');
  });

  it('follow the configured thresholds', async () => {
    const strict = await startApp({
      dashboard: { allowUnauthenticated: true },
      thresholds: { requestTime: { warning: 5, critical: 10 }, queryCount: { critical: 1000 } },
    });
    await store(strict.routeperf, [metrics({ route: '/x', requestTime: 7, queryCount: 30 })]);
    const page = (await new Browser(strict.url).fetch('/performance/routes')).body;
    expect(page).toContain('title="At or above the warning threshold (5 ms)" data-level="warning">7 ms</td>');
    expect(page).toContain('title="At or above the warning threshold (20)" data-level="warning">30</td>');
  });
});
