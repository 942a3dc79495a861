/**
 * The downloads of the routes and requests listings: attachments in UTF-8 (CSV with a byte order mark),
 * the page's filters and sort applied, at most `dashboard.export.maxRows` rows, and every text cell that
 * a spreadsheet would run as a formula neutralised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, Browser, metrics, startApp, store } from './support.js';

const FORMULAS = ['=1+2', '+SUM(A1:A9)', '-2+3', '@cmd', '\tleading tab', '\rreturn'];

let app: App;
let browser: Browser;
const closing: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closing) await close();
});

beforeAll(async () => {
  app = await startApp(
    {
      dashboard: { allowUnauthenticated: true, export: { maxRows: 4 } },
      accessRecords: { enabled: true },
    },
    (task) => closing.push(task),
  );
  browser = new Browser(app.url);
  await store(app.routeperf, [
    ...FORMULAS.map((route, i) =>
      metrics({
        route,
        requestTime: 100 + i,
        path: `=HYPERLINK("http://evil.example","${i}")`,
        referer: FORMULAS[i],
        userId: `@user${i}`,
      }),
    ),
    metrics({ route: '/ñandú, "quoted"', requestTime: 5, statusCode: 500, path: '/ok,comma', minutesAgo: 2 }),
    metrics({
      method: 'POST',
      route: '/orders',
      requestTime: 50,
      statusCode: 503,
      path: '/orders',
      minutesAgo: 3,
    }),
  ]);
});

/** A minimal RFC 4180 reader, for the test to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  return rows;
}

async function download(path: string) {
  const answer = await browser.fetch(`/performance/export/${path}`);
  expect(answer.status, path).toBe(200);
  return answer;
}

async function csv(path: string): Promise<Record<string, string>[]> {
  // Read as bytes: a text decoder would drop the byte order mark this checks.
  const answer = await fetch(`${app.url}/performance/export/${path}`);
  expect(answer.status, path).toBe(200);
  expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const bytes = Buffer.from(await answer.arrayBuffer());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const [header, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!])));
}

describe('routes', () => {
  it('download as an attachment, capped at maxRows, sorted as asked, formulas neutralised', async () => {
    const answer = await download('routes.csv?sort=avg&order=desc');
    expect(answer.headers.get('content-disposition')).toMatch(
      /^attachment; filename="routeperf-routes-development-\d{4}-\d\d-\d\dT\d{4}\.csv"$/,
    );
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    const rows = await csv('routes.csv?sort=avg&order=desc');
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => row.route)).toEqual(["'\rreturn", "'\tleading tab", "'@cmd", "'-2+3"]);
    expect(rows[0]).toMatchObject({
      environment: 'development',
      method: 'GET',
      requests: '1',
      avg_ms: '105',
    });
    for (const row of rows) for (const value of Object.values(row)) expect(value).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('honour the filters of the routes page', async () => {
    const rows = await csv('routes.csv?status=5xx&sort=route');
    expect(rows.map((row) => `${row.method} ${row.route}`)).toEqual(['POST /orders', 'GET /ñandú, "quoted"']);
    expect(rows[1]!.status_codes).toBe('500:1');
    expect((await csv('routes.csv?method=POST')).map((row) => row.route)).toEqual(['/orders']);
    expect(await csv('routes.csv?env=test')).toEqual([]);
  });

  it('download as JSON with the number of routes that matched in all', async () => {
    const answer = await download('routes.json?sort=route');
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.json"$/);
    const body = JSON.parse(answer.body);
    expect(body).toMatchObject({ environment: 'development', total: 8, exported: 4 });
    expect(body.routes).toHaveLength(4);
    expect(body.routes[0]).toMatchObject({ method: 'GET', route: '\tleading tab', count: 1 });
    const filtered = JSON.parse((await download('routes.json?q=orders')).body);
    expect(filtered.routes.map((route: { route: string }) => route.route)).toEqual(['/orders']);
  });
});

describe('requests', () => {
  it('download with the filters of the requests page, capped, formulas neutralised', async () => {
    const all = await csv('records.csv?sort=requestTime&order=desc');
    expect(all).toHaveLength(4);
    expect(all.map((row) => Number(row.request_ms))).toEqual([105, 104, 103, 102]);
    for (const row of all) {
      expect(row.path).toMatch(/^'=HYPERLINK\("http:\/\/evil\.example","\d"\)$/);
      expect(row.user_id).toMatch(/^'@user\d$/);
      expect(row.referer!.startsWith("'")).toBe(true);
    }
    const errors = await csv('records.csv?status=5xx&sort=requestTime&order=asc');
    expect(errors.map((row) => [row.route, row.status, row.path])).toEqual([
      ['/ñandú, "quoted"', '500', '/ok,comma'],
      ['/orders', '503', '/orders'],
    ]);
    expect(await csv('records.csv?path=nothing')).toEqual([]);
  });

  it('download as JSON', async () => {
    const body = JSON.parse((await download('records.json?method=POST')).body);
    expect(body).toMatchObject({ total: 1, exported: 1 });
    expect(body.records[0]).toMatchObject({ route: '/orders', statusCode: 503, path: '/orders' });
  });

  it('do not exist without access records', async () => {
    const off = await startApp({ dashboard: { allowUnauthenticated: true } });
    const answer = await new Browser(off.url).fetch('/performance/export/records.csv');
    expect(answer.status).toBe(404);
    expect((await new Browser(off.url).fetch('/performance/export/routes.json')).status).toBe(200);
  });
});

describe('links', () => {
  it('on the routes and requests pages keep the filters and sort', async () => {
    const routes = (await browser.fetch('/performance/routes?status=5xx&sort=p95&page=2')).body;
    expect(routes).toContain(
      'href="/performance/export/routes.csv?env=development&amp;period=24h&amp;status=5xx&amp;sort=p95&amp;order=desc" download',
    );
    expect(routes).toContain('(at most 4 rows)');
    const records = (await browser.fetch('/performance/records?status=5xx&sort=memory&page=2')).body;
    expect(records).toContain(
      'href="/performance/export/records.json?env=development&amp;period=24h&amp;status=5xx&amp;sort=memory" download',
    );
  });
});
