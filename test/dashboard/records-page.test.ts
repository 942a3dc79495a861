/**
 * The requests page over stored access records whose every field differs from record to record: each
 * filter keeps exactly the records it should (and the same as the read API), each sort orders them as
 * the read API does, pages cut where they should, and the period chooses the records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_SORT_KEYS } from '../../src/dashboard/page-params.js';
import { type App, Browser, metrics, startApp, store } from './support.js';

interface Seed {
  name: string;
  method: string;
  route: string;
  status: number;
  time: number;
  queries: number;
  queryTime: number;
  memory: number;
  path: string;
  referer?: string;
  user?: string;
  minutesAgo: number;
}

const SEED: Seed[] = [
  {
    name: 'a',
    method: 'GET',
    route: '/users/:id',
    status: 200,
    time: 12,
    queries: 2,
    queryTime: 3,
    memory: 5e6,
    path: '/users/1?tab=x',
    referer: 'https://shop.example/home',
    user: 'u1',
    minutesAgo: 2,
  },
  {
    name: 'b',
    method: 'GET',
    route: '/users/:id',
    status: 404,
    time: 30,
    queries: 1,
    queryTime: 9,
    memory: 4e6,
    path: '/users/999',
    referer: 'https://search.example/?q=users',
    user: 'u2',
    minutesAgo: 5,
  },
  {
    name: 'c',
    method: 'POST',
    route: '/orders',
    status: 201,
    time: 250,
    queries: 14,
    queryTime: 200,
    memory: 9e6,
    path: '/orders',
    user: 'u1',
    minutesAgo: 8,
  },
  {
    name: 'd',
    method: 'POST',
    route: '/orders',
    status: 500,
    time: 900,
    queries: 40,
    queryTime: 20,
    memory: 7e6,
    path: '/orders?retry=1',
    referer: 'https://shop.example/cart',
    minutesAgo: 11,
  },
  {
    name: 'e',
    method: 'GET',
    route: '/search',
    status: 503,
    time: 1500,
    queries: 6,
    queryTime: 1,
    memory: 6e6,
    path: '/search?q=100%25_off',
    referer: 'https://SHOP.example/deals',
    user: 'u3',
    minutesAgo: 14,
  },
  {
    name: 'f',
    method: 'GET',
    route: '/search',
    status: 302,
    time: 5,
    queries: 0,
    queryTime: 0,
    memory: 3e6,
    path: '/search?q=a_b',
    minutesAgo: 17,
  },
];

let app: App;
let browser: Browser;
/** The seeded name of each stored request id. */
const nameOf = new Map<string, string>();
const closing: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closing) await close();
});

beforeAll(async () => {
  app = await startApp(
    { dashboard: { allowUnauthenticated: true }, accessRecords: { enabled: true } },
    (task) => closing.push(task),
  );
  browser = new Browser(app.url);
  const batch = SEED.map((seed) =>
    metrics({
      method: seed.method,
      route: seed.route,
      statusCode: seed.status,
      requestTime: seed.time,
      queryCount: seed.queries,
      queryTime: seed.queryTime,
      memory: seed.memory,
      path: seed.path,
      referer: seed.referer,
      userId: seed.user,
      minutesAgo: seed.minutesAgo,
    }),
  );
  await store(app.routeperf, [...batch, metrics({ route: '/old', path: '/old', minutesAgo: 3 * 24 * 60 })]);
  // Each seeded record has a path of its own: it names the record.
  const stored = await app.routeperf.accessRecords({ since: Date.now() - 86_400_000, limit: 100 });
  for (const record of stored.records) {
    const seed = SEED.find((one) => one.path === record.path)!;
    nameOf.set(record.requestId, seed.name);
  }
});

/** The seeded names of the rows the requests page shows for `query`. */
async function rows(query: string): Promise<string[]> {
  const page = await browser.fetch(`/performance/records?${query}`);
  expect(page.status, query).toBe(200);
  return [...page.body.matchAll(/<tr data-request="([^"]+)">/g)].map(([, id]) => nameOf.get(id!) ?? id!);
}

describe('filters', () => {
  it.each([
    ['status=404', ['b']],
    ['status=5xx', ['d', 'e']],
    ['status=2xx', ['a', 'c']],
    ['status=3XX', ['f']],
    ['status=1xx', []],
    ['path=users', ['a', 'b']],
    // % and _ are taken literally, not as LIKE wildcards.
    ['path=%25', ['e']],
    ['path=_', ['e', 'f']],
    ['path=a_b', ['f']],
    ['path=a%25b', []],
    ['referer=shop.example', ['a', 'd', 'e']],
    ['referer=%3Fq%3D', ['b']],
    ['user=u1', ['a', 'c']],
    ['user=u', []],
    ['route=%2Forders', ['c', 'd']],
    ['route=%2Forder', []],
    ['method=post', ['c', 'd']],
    ['method=GET&route=%2Fsearch', ['e', 'f']],
    ['minTime=250', ['c', 'd', 'e']],
    ['maxTime=30', ['a', 'b', 'f']],
    ['minTime=13&maxTime=900', ['b', 'c', 'd']],
    ['minQueries=6', ['c', 'd', 'e']],
    ['maxQueries=1', ['b', 'f']],
    ['status=5xx&minQueries=10', ['d']],
  ])('%s keeps exactly the records it should, as the read API does', async (query, expected) => {
    const shown = await rows(`${query}&sort=createdAt`);
    expect(shown).toEqual(expected);
    const page = await browser.fetch(`/performance/records?${query}`);
    expect(page.body).toContain(`of ${expected.length}</span>`);
  });

  it('keep their values in the form and in the sort links', async () => {
    const page = await browser.fetch(
      '/performance/records?status=5xx&path=%2Forders&referer=cart&user=u9&minTime=1&maxTime=2000&minQueries=0&maxQueries=50',
    );
    for (const field of ['value="/orders"', 'value="cart"', 'value="u9"', 'value="2000"', 'value="50"'])
      expect(page.body).toContain(field);
    expect(page.body).toContain('<option value="5xx" selected>5xx</option>');
    expect(page.body).toContain(
      'status=5xx&amp;path=%2Forders&amp;referer=cart&amp;user=u9&amp;minTime=1&amp;maxTime=2000&amp;minQueries=0&amp;maxQueries=50&amp;sort=requestTime',
    );
  });

  it('choose the period', async () => {
    expect(await rows('path=old')).toEqual([]);
    expect(await rows('path=old&period=7d')).toHaveLength(1);
    expect(await rows('env=production')).toEqual([]);
    const empty = (await browser.fetch('/performance/records?env=production')).body;
    expect(empty).toContain('No stored request matches.');
    expect(empty).toContain('Requests 0 to 0 of 0');
  });
});

describe('sorting', () => {
  it.each(RECORD_SORT_KEYS)('by %s orders the rows as the read API does, both ways', async (sort) => {
    for (const order of ['asc', 'desc'] as const) {
      const api = await app.routeperf.accessRecords({ since: Date.now() - 86_400_000, sort, order });
      expect(await rows(`sort=${sort}&order=${order}`)).toEqual(
        api.records.map((record) => nameOf.get(record.requestId)),
      );
    }
  });

  it('gives orders that differ from key to key, by the seeded figures', async () => {
    expect(await rows('')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await rows('sort=createdAt&order=asc')).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
    expect(await rows('sort=requestTime')).toEqual(['e', 'd', 'c', 'b', 'a', 'f']);
    expect(await rows('sort=queryCount')).toEqual(['d', 'c', 'e', 'a', 'b', 'f']);
    expect(await rows('sort=queryTime')).toEqual(['c', 'd', 'b', 'a', 'e', 'f']);
    expect(await rows('sort=memory')).toEqual(['c', 'd', 'e', 'a', 'b', 'f']);
    expect(await rows('sort=statusCode')).toEqual(['e', 'd', 'b', 'f', 'c', 'a']);
  });

  it('links each sortable heading to its sort, flipping the order of the current one', async () => {
    const page = (await browser.fetch('/performance/records?sort=memory&order=desc&user=u1')).body;
    for (const key of RECORD_SORT_KEYS) {
      const href = new RegExp(`data-sort="${key}"[^>]*><a href="([^"]+)"`)
        .exec(page)![1]!
        .replaceAll('&amp;', '&');
      const order = key === 'memory' ? 'asc' : 'desc';
      expect(href).toBe(`/performance/records?env=development&period=24h&user=u1&sort=${key}&order=${order}`);
    }
  });
});

describe('pagination', () => {
  it('cuts pages, and shows the last page for a page past the end', async () => {
    const many = await startApp({
      dashboard: { allowUnauthenticated: true },
      accessRecords: { enabled: true },
    });
    await store(
      many.routeperf,
      Array.from({ length: 60 }, (_, i) => metrics({ route: '/p', requestTime: i + 1, path: `/p/${i + 1}` })),
    );
    const paths = async (query: string) => {
      const page = await new Browser(many.url).fetch(
        `/performance/records?sort=requestTime&order=asc&${query}`,
      );
      return [...page.body.matchAll(/<td class="text path mono">\/p\/(\d+)<\/td>/g)].map(([, n]) =>
        Number(n),
      );
    };
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(await paths('')).toEqual(range(1, 25));
    expect(await paths('page=2')).toEqual(range(26, 50));
    expect(await paths('page=3')).toEqual(range(51, 60));
    expect(await paths('page=99')).toEqual(range(51, 60));
    expect(await paths('size=50&page=2')).toEqual(range(51, 60));
    expect(await paths('size=100')).toEqual(range(1, 60));
    const page = (await new Browser(many.url).fetch('/performance/records?page=2')).body;
    expect(page).toContain('Requests 26 to 50 of 60');
    expect(page).toContain('Page 2 of 3');
  });
});
