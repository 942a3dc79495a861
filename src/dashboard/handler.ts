/**
 * The dashboard's core handler: a plain request in, a plain response out, or undefined when the request
 * is not under the dashboard's path. It serves the assets to anyone, exchanges login links for sessions,
 * and lets every other request through the access check first: then the pages (page-handlers.ts), the
 * downloads (exports.ts) and the actions the configuration turns on (actions.ts). Nothing a request
 * carries can make it fail: bad parameters take their defaults, a database that cannot be read gets a
 * 503 page, and anything unexpected a bare 500 that tells nothing of the cause.
 */
import type { DashboardRequest } from '../config/types.js';
import type { Routeperf } from '../routeperf.js';
import { type AccessRules, BASIC_CHALLENGE, decideAccess } from './access.js';
import { handleAction, isAction } from './actions.js';
import { assetByFileName } from './assets.js';
import { COOKIE, setCookie } from './cookies.js';
import { type ExportFormat, exportRecords, exportRoutes } from './exports.js';
import { pageAt } from './page-handlers.js';
import { backLink, messagePage, unconfiguredPage } from './pages/message.js';
import { savePreferences } from './preferences-form.js';
import { assetResponse, type DashboardResponse, htmlResponse, redirect, textResponse } from './responses.js';
import type { Sessions } from './sessions.js';
import { SESSION_LIFETIME_MS } from './sessions.js';
import { type DashboardSettings, splitUrl, startVisit, type Visit } from './visit.js';

export class DashboardHandler {
  constructor(
    private readonly routeperf: Routeperf,
    private readonly settings: DashboardSettings,
    private readonly access: AccessRules,
    private readonly sessions: Sessions,
  ) {}

  /** The path under the mount path of a request URL, or undefined when the URL is not the dashboard's. */
  relativePath(url: string): string | undefined {
    const { path } = splitUrl(url);
    const mount = this.settings.path;
    if (path === mount || path.startsWith(`${mount}/`)) return path.slice(mount.length);
    return undefined;
  }

  async handle(request: DashboardRequest): Promise<DashboardResponse | undefined> {
    const relative = this.relativePath(request.url);
    if (relative === undefined) return undefined;
    try {
      return await this.#dispatch(startVisit(this.settings, request, relative, splitUrl(request.url).query));
    } catch (error) {
      this.#log(`dashboard: could not answer ${request.method} ${splitUrl(request.url).path}`, error);
      return textResponse(500, 'Internal error');
    }
  }

  async #dispatch(visit: Visit): Promise<DashboardResponse> {
    const method = visit.request.method.toUpperCase();
    const { path } = visit;
    if (path.startsWith('/assets/')) return this.#asset(visit, method);
    if (path === '/login')
      return method === 'GET' ? this.#login(visit) : this.#methodNotAllowed(visit, 'GET');

    const decision = await decideAccess(
      this.access,
      visit.request,
      this.#hasSession(visit),
      this.settings.logger,
    );
    if (!decision.allowed) {
      const extras = { cookies: visit.setCookies, head: visit.head };
      if (decision.refusal === 'unconfigured') return htmlResponse(403, unconfiguredPage(visit.page), extras);
      if (decision.status === 401) {
        const page = messagePage(visit.page, 'unauthorizedTitle', 'unauthorizedText', '', true);
        return htmlResponse(401, page, { ...extras, headers: { 'www-authenticate': BASIC_CHALLENGE } });
      }
      return htmlResponse(403, messagePage(visit.page, 'forbiddenTitle', 'forbiddenText', '', true), extras);
    }

    if (path === '/preferences') {
      return method === 'POST'
        ? savePreferences(visit, this.settings.path)
        : this.#methodNotAllowed(visit, 'POST');
    }
    const action = /^\/actions\/([A-Za-z]+)$/.exec(path)?.[1];
    if (action !== undefined && isAction(action) && this.settings.actions[action])
      return handleAction(this.routeperf, this.settings, visit, action);
    const page = pageAt(path);
    const download = /^\/export\/(routes|records)\.(csv|json)$/.exec(path);
    if (!page && !(download && (download[1] === 'routes' || this.settings.accessRecords)))
      return this.#notFound(visit);
    if (method !== 'GET' && method !== 'HEAD') return this.#methodNotAllowed(visit, 'GET, HEAD');
    if (page)
      return this.#page(visit, () => page({ routeperf: this.routeperf, settings: this.settings, visit }));
    return this.#download(visit, download![1] as 'routes' | 'records', download![2] as ExportFormat);
  }

  #notFound(visit: Visit): DashboardResponse {
    const page = messagePage(visit.page, 'notFoundTitle', 'notFoundText', backLink(visit.page));
    return htmlResponse(404, page, { cookies: visit.setCookies, head: visit.head });
  }

  /** A download of the routes or the access records, or the 503 page when they cannot be read. */
  async #download(
    visit: Visit,
    listing: 'routes' | 'records',
    format: ExportFormat,
  ): Promise<DashboardResponse> {
    const { environments, exportMaxRows } = this.settings;
    const read = listing === 'routes' ? exportRoutes : exportRecords;
    try {
      const response = await read(this.routeperf, visit.query, environments, format, exportMaxRows);
      return { ...response, body: visit.head ? '' : response.body };
    } catch (error) {
      this.#log('dashboard: could not read the data of a download', error);
      const failed = messagePage(visit.page, 'storeErrorTitle', 'storeErrorText', backLink(visit.page));
      return htmlResponse(503, failed, { cookies: visit.setCookies, head: visit.head });
    }
  }

  /** A page of data, or the 503 page when the database cannot be read. */
  async #page(visit: Visit, render: () => Promise<string>): Promise<DashboardResponse> {
    const extras = { cookies: visit.setCookies, head: visit.head };
    let page: string;
    try {
      page = await render();
    } catch (error) {
      this.#log('dashboard: could not read the data of a page', error);
      const failed = messagePage(visit.page, 'storeErrorTitle', 'storeErrorText', backLink(visit.page));
      return htmlResponse(503, failed, extras);
    }
    return htmlResponse(200, page, extras);
  }

  #asset(visit: Visit, method: string): DashboardResponse {
    if (method !== 'GET' && method !== 'HEAD') return this.#methodNotAllowed(visit, 'GET, HEAD');
    const asset = assetByFileName(visit.path.slice('/assets/'.length));
    return asset ? assetResponse(asset, visit.head) : textResponse(404, 'Not found', { head: visit.head });
  }

  /** Exchanges a one-time login token for a session cookie, then goes to the overview. */
  #login(visit: Visit): DashboardResponse {
    const token = visit.query.get('token') ?? '';
    const session = token ? this.sessions.login(token) : undefined;
    if (!session) {
      const page = messagePage(visit.page, 'loginFailedTitle', 'loginFailedText', '', true);
      return htmlResponse(403, page, { cookies: visit.setCookies });
    }
    const cookie = setCookie(COOKIE.session, session, {
      path: this.settings.path || '/',
      maxAge: SESSION_LIFETIME_MS / 1000,
      secure: visit.request.secure,
    });
    return redirect(`${this.settings.path}/`, { cookies: [...visit.setCookies, cookie] });
  }

  #hasSession(visit: Visit): boolean {
    return this.sessions.isSession(visit.cookies.get(COOKIE.session));
  }

  #methodNotAllowed(visit: Visit, allowed: string): DashboardResponse {
    const page = messagePage(visit.page, 'methodTitle', 'methodText', backLink(visit.page));
    return htmlResponse(405, page, {
      headers: { allow: allowed },
      cookies: visit.setCookies,
      head: visit.head,
    });
  }

  #log(message: string, error: unknown): void {
    try {
      this.settings.logger.error(`${message}: ${(error as Error)?.message ?? String(error)}`);
    } catch {
      // A broken logger must not turn an answer into a crash.
    }
  }
}
