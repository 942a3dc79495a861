/**
 * What the dashboard's tests share: an app with routeperf and its dashboard on a real socket, requests
 * that keep the dashboard's cookies like a browser, a login through a one-time link, the rows of a
 * rendered routes table, and metrics stored the way the recorder stores them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setImmediate } from 'node:timers/promises';
import { withRouteperf } from '../../src/adapters/http.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { type Dashboard, dashboardOf } from '../../src/dashboard/index.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import type { Routeperf } from '../../src/routeperf.js';
import { deferAfterEach } from '../support/cleanup.js';
import { uniquePrefix } from '../support/databases.js';
import { closeServer, listen } from '../support/http.js';
import { requestMetrics } from '../support/metrics.js';
import { sqliteUrl } from '../support/sqlite.js';

export const defer = deferAfterEach();

export const silent = { info() {}, warn() {}, error() {} };

/** Options for one test: its own SQLite file and table prefix, environment `development`. */
export function testOptions(extra: RouteperfOptions = {}): RouteperfOptions & { database: string } {
  return {
    database: sqliteUrl(),
    tablePrefix: uniquePrefix(),
    environment: 'development',
    logger: silent,
    ...extra,
  };
}

export interface App {
  url: string;
  server: Server;
  routeperf: Routeperf;
  dashboard: Dashboard;
}

/**
 * A node:http app with routeperf and its dashboard, serving on loopback until the test ends. Its one
 * route answers `GET /hello`; `routeOf` is the decoded path, as a careless app's router could make it,
 * so that any text a client puts in a path becomes a route name.
 */
export async function startApp(
  extra: RouteperfOptions = {},
  /** Where the app's closing goes: after the current test by default. */
  cleanup: (task: () => Promise<void>) => void = defer,
): Promise<App> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const status = Number(new URL(req.url ?? '/', 'http://app').searchParams.get('status') ?? 200);
    res.writeHead(status, { 'content-type': 'text/plain' }).end('hello');
  };
  const listener = withRouteperf(handler, {
    ...testOptions(extra),
    routeOf: (req) => decodeURIComponent(new URL(req.url ?? '/', 'http://app').pathname),
  });
  const server = createServer(listener);
  cleanup(async () => {
    await closeServer(server);
    await listener.close();
  });
  const routeperf = await listener.ready;
  const dashboard = dashboardOf(routeperf);
  if (!dashboard) throw new Error('expected the options to configure a dashboard');
  return { url: await listen(server), server, routeperf, dashboard };
}

/** A browser's cookie jar for one origin: it keeps what `Set-Cookie` gives, by name. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size && !headers.has('cookie')) headers.set('cookie', this.cookieHeader);
    const response = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  /** Logs in with a one-time token of `dashboard`; returns the login's answer. */
  login(dashboard: Dashboard, prefix = '/performance'): Promise<Page> {
    return this.fetch(`${prefix}/login?token=${dashboard.createLoginToken()}`);
  }

  /** POSTs a form, the browser's CSRF token included unless `fields` says otherwise. */
  postForm(path: string, fields: Record<string, string>): Promise<Page> {
    return this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export interface Page {
  status: number;
  headers: Headers;
  body: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' };

export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, entity: string) => ENTITIES[entity]!);
}

/** The rows of a rendered routes table, as `METHOD route`, in order. */
export function renderedRows(page: string): string[] {
  return [...page.matchAll(/<tr data-route="([^"]*)" data-method="([^"]*)">/g)].map(
    ([, route, method]) => `${unescapeHtml(method!)} ${unescapeHtml(route!)}`,
  );
}

/** The CSRF token the pages put in their forms. */
export function csrfTokenOf(page: string): string {
  const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page)?.[1];
  if (!token) throw new Error('expected a page with the preferences form');
  return token;
}

/** One request's metrics, `minutesAgo` before now, in `development`. */
export function metrics(overrides: Partial<RequestMetrics> & { minutesAgo?: number } = {}): RequestMetrics {
  const { minutesAgo = 1, ...rest } = overrides;
  return requestMetrics({ ts: Date.now() - minutesAgo * 60_000, environment: 'development', ...rest });
}

/**
 * Stores `batch` as the recorder would. A SQLite write runs on this thread and resolves at once: the
 * macrotask after it lets the test worker answer the test runner between batches (a worker silent for a
 * minute fails the run, whatever its tests did).
 */
export async function store(routeperf: Routeperf, batch: RequestMetrics[]): Promise<void> {
  await internalsOf(routeperf).store.ingest(batch);
  await setImmediate();
}
