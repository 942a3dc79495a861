/**
 * The overview, route, statistics, access times, requests and diagnose pages over seeded metrics in a
 * real SQLite store, served on a real socket: each shows what the read API gives, with data and without.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, Browser, metrics, startApp, store, unescapeHtml } from './support.js';

const N_PLUS_ONE = 'select * from order_items where order_id = ?';
let app: App;
let browser: Browser;
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
  await store(app.routeperf, [
    ...[40, 50, 60, 700].map((requestTime, i) =>
      metrics({
        route: '/orders/:id',
        requestTime,
        queryCount: 30,
        queryTime: requestTime * 0.8,
        statusCode: i === 3 ? 500 : 200,
        queryRepeat: 12,
        repeatedQuery: N_PLUS_ONE,
        path: `/orders/${i}`,
        minutesAgo: 5 + i,
      }),
    ),
    ...[5, 6, 7].map((requestTime, i) =>
      metrics({ route: '/health', requestTime, queryCount: 0, queryTime: 0, minutesAgo: 2 + i }),
    ),
    metrics({ method: 'POST', route: '/login', requestTime: 90, statusCode: 401, minutesAgo: 30 }),
  ]);
});

const get = async (path: string) => {
  const page = await browser.fetch(`/performance${path}`);
  expect(page.status, path).toBe(200);
  return page.body;
};

/** The JSON data block of a chart. */
function chartData(page: string, id: string): { x: number[]; series: { values: number[] }[] } {
  const json = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(page)?.[1];
  if (!json) throw new Error(`expected a chart ${id}`);
  return JSON.parse(json);
}

describe('overview', () => {
  it('shows the figures of summary() and links its top lists to route pages', async () => {
    const summary = await app.routeperf.summary({ since: Date.now() - 86_400_000 });
    expect(summary.count).toBe(8);
    const page = await get('/');
    const figure = (label: string) => new RegExp(`<dt>${label}</dt><dd>([^<]*)</dd>`).exec(page)?.[1];
    expect(figure('Requests')).toBe('8');
    expect(figure('Routes')).toBe('3');
    expect(figure('Error rate \\(5xx\\)')).toBe('12.5%');
    expect(figure('N\\+1 suspects')).toBe('1');
    expect(figure('Most queries in a request')).toBe('30');
    const trend = chartData(page, 'trend-data');
    expect(trend.series.map((series) => series.values.reduce((sum, value) => sum + value, 0))[0]).toBe(8);
    expect(page).toContain(
      'href="/performance/route?env=development&amp;period=24h&amp;method=GET&amp;route=%2Forders%2F%3Aid"',
    );
  });
});

describe('route page', () => {
  const orders = '/route?method=GET&route=%2Forders%2F%3Aid';

  it('shows the figures, charts, statuses, N+1 shape, review and slowest requests of one route', async () => {
    const page = await get(orders);
    expect(page).toContain('<h1><span class="method">GET</span> <span class="mono">/orders/:id</span></h1>');
    expect(page).toMatch(/<dt>Requests<\/dt><dd>4<\/dd>/);
    expect(page).toMatch(/<dt>Error rate \(5xx\)<\/dt><dd>25%<\/dd>/);
    for (const id of ['route-requests', 'route-latency', 'route-queries', 'route-histogram'])
      expect(chartData(page, id).x.length, id).toBeGreaterThan(0);
    expect(chartData(page, 'route-requests').series[0]!.values.reduce((a, b) => a + b, 0)).toBe(4);
    expect(chartData(page, 'route-latency').series).toHaveLength(3);
    expect(chartData(page, 'route-histogram').series[0]!.values.reduce((a, b) => a + b, 0)).toBe(4);
    expect(page).toContain('<span class="status s2xx">200</span></th><td>3</td><td>75%</td>');
    expect(page).toContain('<span class="status s5xx">500</span></th><td>1</td><td>25%</td>');
    expect(page).toContain(`<pre class="sql"><code>${N_PLUS_ONE}</code></pre>`);
    expect(page).toContain('4 of 4 requests ran one statement');
    expect(page).toContain('data-reviewed="false"');
    expect(page).toContain('action="/performance/actions/review"');
    const slowest = [
      ...page.matchAll(/<tr data-request="[^"]*">\s*<td class="text">[^<]*<\/td>[\s\S]*?<\/tr>/g),
    ];
    expect(slowest).toHaveLength(4);
    const api = await app.routeperf.accessRecords({
      route: '/orders/:id',
      method: 'GET',
      sort: 'requestTime',
    });
    expect([...page.matchAll(/data-request="([^"]*)"/g)].map(([, id]) => id)).toEqual(
      api.records.map((record) => record.requestId),
    );
  });

  it('renders without data: another environment, or a route without requests', async () => {
    for (const query of [`${orders}&env=test`, '/route?method=GET&route=%2Fnowhere']) {
      const page = await get(query);
      expect(page).toContain('No request was recorded in this period.');
      expect(page).toContain('No stored request matches.');
      expect(page).toContain('data-reviewed="false"');
      expect(page).not.toContain('action="/performance/actions/review"');
    }
  });

  it('asks for a route when the address names none', async () => {
    for (const query of ['/route', '/route?route=%2Fhealth', '/route?method=GET'])
      expect(await get(query)).toContain('Pick a route on the routes page');
  });

  it('says how to turn access records on when they are off', async () => {
    const off = await startApp({ dashboard: { allowUnauthenticated: true } });
    await store(off.routeperf, [metrics({ route: '/x' })]);
    const page = await new Browser(off.url).fetch('/performance/route?method=GET&route=%2Fx');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Access records are off');
    expect(page.body).not.toContain('href="/performance/records?');
    const records = await new Browser(off.url).fetch('/performance/records');
    expect(records.status).toBe(200);
    expect(records.body).toContain('data-records="off"');
    expect(records.body).toContain('accessRecords: { enabled: true, retentionDays: 30 }');
  });
});

describe('statistics page', () => {
  it('spreads every metric over the routes and recommends looking at the N+1 route', async () => {
    const page = await get('/statistics');
    expect(page).toContain('Over 3 routes of the 3 of this period.');
    expect([...page.matchAll(/<tr data-metric="(\w+)">/g)].map(([, metric]) => metric)).toEqual([
      'avgTime',
      'p95',
      'queries',
      'queryTime',
      'memory',
      'errorRate',
    ]);
    // Average request times 212.5, 6 and 90 ms: the mean is 102.8 ms, the median 90 ms.
    const avgRow = /<tr data-metric="avgTime">(.*?)<\/tr>/s.exec(page)![1]!;
    expect(avgRow).toContain('<td>103 ms</td><td>90 ms</td>');
    expect(page).toContain('data-kind="nPlusOne" data-route="/orders/:id"');
    expect(page).toContain('data-kind="queryBound" data-route="/orders/:id"');
    expect(page).toContain('data-kind="errors" data-route="/orders/:id"');
    // Pairs (212.5 ms, 30), (6 ms, 0), (90 ms, 2): r = 0.937.
    expect(page).toMatch(
      /<tr data-correlation="queries">[^\n]*?<td>0\.94<\/td><td class="text">strong, rising together<\/td>/,
    );
  });

  it('renders without data', async () => {
    const page = await get('/statistics?env=test');
    expect(page).toContain('Over 0 routes of the 0 of this period.');
    expect(page).toContain('No request was recorded in this period.');
  });
});

describe('access times page', () => {
  const cells = (page: string) => [...page.matchAll(/data-count="(\d+)"/g)].map(([, count]) => Number(count));

  it('shows the requests by hour, by weekday and by both, in UTC, of all routes or of one', async () => {
    const page = await get('/access');
    expect(page).toContain('8 requests; times are in UTC.');
    expect(cells(page)).toHaveLength(7 * 24);
    expect(cells(page).reduce((a, b) => a + b, 0)).toBe(8);
    expect(chartData(page, 'access-hours').series[0]!.values).toHaveLength(24);
    expect(chartData(page, 'access-weekdays').series[0]!.values.reduce((a, b) => a + b, 0)).toBe(8);
    const one = await get('/access?method=GET&route=%2Fhealth');
    expect(cells(one).reduce((a, b) => a + b, 0)).toBe(3);
    expect(unescapeHtml(one)).toContain('>GET /health</a>');
  });

  it('renders without data', async () => {
    const page = await get('/access?env=test');
    expect(cells(page).every((count) => count === 0)).toBe(true);
    expect(page).toContain('No request was recorded in this period.');
  });
});

describe('diagnose page', () => {
  it('shows the configuration, the mode, the counters and that the database answers', async () => {
    const page = await get('/diagnose');
    expect(page).toContain('data-problems="0"');
    expect(page).toMatch(/<dt>Database<\/dt><dd>sqlite:[^<]*\(answers\)<\/dd>/);
    expect(page).toContain(
      '<dt>Mode</dt><dd>synchronous: each response waits for its metrics to be stored</dd>',
    );
    expect(page).toContain('<dt>Access records</dt><dd>on, kept ∞ days</dd>');
    expect(page).toContain('<dt>Dashboard actions on</dt><dd>review</dd>');
    expect(page).toMatch(/<dl class="pairs" data-pairs="stats"><dt>recorded<\/dt><dd>\d+<\/dd>/);
    expect(page).toContain('<dt>Database tables</dt><dd>complete</dd>');
    expect(page).toContain('<dt>Transport</dt><dd>no separate worker needed in this mode</dd>');
    expect(page).toContain('<dt>Failed messages</dt><dd>0</dd>');
  });

  it('says what is wrong: an environment that records nothing', async () => {
    const idle = await startApp({
      dashboard: { allowUnauthenticated: true },
      environments: ['production'],
    });
    const page = await new Browser(idle.url).fetch('/performance/diagnose');
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-problems="1"');
    // The problem and its fix as `routeperf diagnose` words them.
    expect(page.body).toContain(
      '<li data-problem="environment-not-recorded">Apps record nothing here: environment &quot;development&quot; is not in environments',
    );
    expect(page.body).toContain(
      'Fix: set &quot;environments&quot; in the config file to include &quot;development&quot;, then run: npx routeperf diagnose',
    );
  });
});

describe('navigation', () => {
  it('links every page from every page, the current one marked, in both languages', async () => {
    for (const [path, current] of [
      ['/', 'Overview'],
      ['/routes', 'Routes'],
      ['/statistics', 'Statistics'],
      ['/access', 'Access times'],
      ['/records', 'Requests'],
      ['/diagnose', 'Diagnose'],
    ] as const) {
      const page = await get(path);
      const nav = /<nav>(.*?)<\/nav>/s.exec(page)![1]!;
      expect([...nav.matchAll(/href="([^"]+)"/g)].map(([, href]) => href)).toEqual(
        ['/', '/routes', '/statistics', '/access', '/records', '/diagnose'].map((p) => `/performance${p}`),
      );
      expect(nav).toContain(`aria-current="page">${current}</a>`);
    }
    const spanish = await browser.fetch('/performance/statistics', { headers: { 'accept-language': 'es' } });
    expect(spanish.body).toContain('aria-current="page">Estadísticas</a>');
    expect(spanish.body).toContain('Cómo se reparten las rutas');
  });
});
