/**
 * Route names are text from whoever sent the requests. Recorded through a real app (whose router makes a
 * route of any path it gets) into SQLite, they must come out of every page as text: no element, no
 * attribute, no URL of theirs.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, jsonScript, safeUrl } from '../../src/dashboard/html.js';
import { Browser, renderedRows, startApp } from './support.js';

const HOSTILE = [
  '/<script>alert(1)</script>',
  '/"onmouseover="x',
  "/'onfocus='x' autofocus='",
  '/<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '/</script><script>alert(2)</script>',
  '/\u2028line',
];

/** The names of the page's elements: every `<` of a value is escaped, so every tag is the page's own. */
function elementNames(page: string): string[] {
  return [...page.matchAll(/<([a-zA-Z][\w-]*)/g)].map(([, name]) => name!.toLowerCase());
}

/** The names of every attribute of every tag; values are double-quoted and hold no raw `"`. */
function attributeNames(page: string): string[] {
  return [...page.matchAll(/<[a-zA-Z][\w-]*((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)].flatMap(
    ([, attributes]) => [...attributes!.matchAll(/\s+([^\s=>]+)(?:="[^"]*")?/g)].map(([, name]) => name!),
  );
}

describe('hostile route names', () => {
  it('render as text on the overview and the routes page', async () => {
    const app = await startApp({ dashboard: { allowUnauthenticated: true } });
    const browser = new Browser(app.url);
    for (const route of HOSTILE) {
      const path = route.startsWith('/') ? route : `/${route}`;
      for (const status of [200, 500]) {
        const answer = await browser.fetch(`${path.replace(/[^/]+/g, encodeURIComponent)}?status=${status}`);
        expect(answer.status).toBe(status);
      }
    }
    const recorded = (await app.routeperf.routes()).map((route) => route.route);
    for (const route of HOSTILE) expect(recorded).toContain(route.startsWith('/') ? route : `/${route}`);

    const routes = await browser.fetch('/performance/routes?sort=route&size=100');
    const overview = await browser.fetch('/performance/');
    expect(renderedRows(routes.body).sort()).toEqual(recorded.map((route) => `GET ${route}`).sort());
    for (const page of [routes.body, overview.body]) {
      // Only the dashboard's own two scripts and its JSON data block are script elements.
      expect(page.match(/<script/g)?.length).toBe(page === overview.body ? 3 : 2);
      expect(elementNames(page)).not.toContain('img');
      const attributes = attributeNames(page);
      expect(attributes.filter((name) => /^on|autofocus/i.test(name))).toEqual([]);
      expect(page).not.toMatch(/(href|src|action)="\s*javascript:/i);
      for (const [, attribute] of page.matchAll(/\s(?:href|src|action)="([^"]*)"/g))
        expect(attribute).toMatch(/^(\/performance\/|#|data:,$)/);
    }
    expect(routes.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(routes.body).toContain('/&quot;onmouseover=&quot;x');
    expect(overview.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

/** Every script element is one of the dashboard's files or a JSON data block: none runs a value. */
function expectOnlyOwnScripts(page: string): void {
  for (const [tag] of page.matchAll(/<script[^>]*>/g))
    expect(tag).toMatch(
      /^<script (src="\/performance\/assets\/[\w.]+\.js" defer|type="application\/json" id="[\w-]+")>$/,
    );
}

/** No element, attribute or URL of a value's: only the dashboard's own. */
function expectInert(page: string): void {
  expectOnlyOwnScripts(page);
  expect(elementNames(page)).not.toContain('img');
  expect(attributeNames(page).filter((name) => /^on|autofocus/i.test(name))).toEqual([]);
  expect(page).not.toMatch(/(href|src|action)="\s*javascript:/i);
  for (const [, attribute] of page.matchAll(/\s(?:href|src|action)="([^"]*)"/g))
    expect(attribute).toMatch(/^(\/performance\/|#|data:,$)/);
}

describe('hostile route names, paths and referers', () => {
  it('render as text on the route, statistics, access times and requests pages, and in the downloads', async () => {
    const app = await startApp({
      dashboard: { allowUnauthenticated: true },
      accessRecords: { enabled: true },
    });
    const browser = new Browser(app.url);
    for (const route of HOSTILE) {
      const path = route.startsWith('/') ? route : `/${route}`;
      const answer = await browser.fetch(
        `${path.replace(/[^/]+/g, encodeURIComponent)}?q=<b>"x"</b>&status=500`,
        {
          headers: {
            referer: `https://evil.example/"><script>alert(3)</script>${encodeURIComponent(route)}`,
          },
        },
      );
      expect(answer.status).toBe(500);
    }
    const recorded = (await app.routeperf.routes()).map((route) => route.route);
    expect(recorded).toHaveLength(HOSTILE.length);
    const pages = [
      '/performance/statistics',
      '/performance/access',
      '/performance/records?size=100',
      '/performance/records?referer=%3Cscript%3E',
      ...recorded.flatMap((route) => [
        `/performance/route?method=GET&route=${encodeURIComponent(route)}`,
        `/performance/access?method=GET&route=${encodeURIComponent(route)}`,
      ]),
    ];
    for (const path of pages) {
      const page = await browser.fetch(path);
      expect(page.status, path).toBe(200);
      expectInert(page.body);
    }
    const records = (await browser.fetch('/performance/records?size=100')).body;
    expect(records.match(/<tr data-request=/g)).toHaveLength(HOSTILE.length);
    expect(records).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(records).toContain('https://evil.example/&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(records).toContain('?q=%3Cb%3E%22x%22%3C/b%3E&amp;status=500');
    const route = (
      await browser.fetch(`/performance/route?method=GET&route=${encodeURIComponent(HOSTILE[0]!)}`)
    ).body;
    expect(route).toContain('<span class="mono">/&lt;script&gt;alert(1)&lt;/script&gt;</span></h1>');
    const json = JSON.parse((await browser.fetch('/performance/export/records.json')).body);
    expect(json.records.map((record: { route: string }) => record.route).sort()).toEqual(
      [...recorded].sort(),
    );
  });
});

describe('the html template', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const value = `<b title='x'>"&\``;
    expect(html`<p title="${value}">${value}</p>`.value).toBe(
      '<p title="&lt;b title=&#39;x&#39;&gt;&quot;&amp;&#96;">&lt;b title=&#39;x&#39;&gt;&quot;&amp;&#96;</p>',
    );
    expect(escapeHtml(value)).not.toMatch(/[<>"'`]/);
    expect(html`<ul>${['<a>', html`<li>ok</li>`, null, undefined, false, 0]}</ul>`.value).toBe(
      '<ul>&lt;a&gt;<li>ok</li>0</ul>',
    );
  });

  it('turns a URL that is not of this site or http(s) into # where a URL attribute starts', () => {
    for (const url of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>',
      'vbscript:x',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
    ]) {
      expect(safeUrl(url), url).toBe('#');
      expect(html`<a href="${url}">x</a>`.value).toBe('<a href="#">x</a>');
      expect(html`<form action=${url}></form>`.value).toBe('<form action=#></form>');
    }
    expect(html`<a href="${''}${'javascript:alert(1)'}">x</a>`.value).toBe('<a href="#">x</a>');
    expect(html`<a href="java${'script:alert(1)'}">x</a>`.value).toBe('<a href="java">x</a>');
    expect(html`<a href="${'/performance/routes?q=<x>&a=1'}">x</a>`.value).toBe(
      '<a href="/performance/routes?q=&lt;x&gt;&amp;a=1">x</a>',
    );
    expect(html`<a href="/performance/routes?q=${'javascript:alert(1)'}">x</a>`.value).toBe(
      '<a href="/performance/routes?q=javascript:alert(1)">x</a>',
    );
    expect(html`<a href="${'https://example.com/x'}" title="${'javascript:x'}">x</a>`.value).toBe(
      '<a href="https://example.com/x" title="javascript:x">x</a>',
    );
  });

  it('keeps JSON data blocks closed whatever their strings hold', () => {
    const block = jsonScript('data', { route: '</script><script>alert(1)</script>\u2028&' }).value;
    expect(block.match(/<\/script>/g)).toHaveLength(1);
    expect(block).toContain(
      '\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u2028\\u0026',
    );
    const json = /<script type="application\/json" id="data">(.*)<\/script>/s.exec(block)![1]!;
    expect(JSON.parse(json)).toEqual({ route: '</script><script>alert(1)</script>\u2028&' });
  });
});
