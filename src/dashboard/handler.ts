/**
 * The dashboard's core handler: a plain request in, a plain response out, or undefined when the request
 * is not under the dashboard's path. It serves the assets to anyone, exchanges login links for sessions,
 * and lets every other request through the access check first. Nothing a request carries can make it
 * fail: bad parameters take their defaults, a database that cannot be read gets a 503 page, and
 * anything unexpected a bare 500 that tells nothing of the cause.
 */
import type { DashboardRequest } from '../config/types.js';
import type { Routeperf } from '../routeperf.js';
import { type AccessRules, BASIC_CHALLENGE, decideAccess } from './access.js';
import { assetByFileName } from './assets.js';
import { COOKIE, setCookie } from './cookies.js';
import { readOverview, readRoutesPage } from './data.js';
import { backLink, messagePage, unconfiguredPage } from './pages/message.js';
import { overviewPage } from './pages/overview.js';
import { routesPage } from './pages/routes.js';
import { routesParams, viewParams } from './params.js';
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
    if (path !== '' && path !== '/' && path !== '/routes') {
      return htmlResponse(
        404,
        messagePage(visit.page, 'notFoundTitle', 'notFoundText', backLink(visit.page)),
        {
          cookies: visit.setCookies,
          head: visit.head,
        },
      );
    }
    if (method !== 'GET' && method !== 'HEAD') return this.#methodNotAllowed(visit, 'GET, HEAD');
    return path === '/routes' ? this.#routes(visit) : this.#overview(visit);
  }

  async #overview(visit: Visit): Promise<DashboardResponse> {
    const view = viewParams(visit.query, this.settings.environments);
    return this.#page(visit, async () =>
      overviewPage(visit.page, view, await readOverview(this.routeperf, view)),
    );
  }

  async #routes(visit: Visit): Promise<DashboardResponse> {
    const params = routesParams(visit.query, this.settings.environments);
    return this.#page(visit, async () =>
      routesPage(visit.page, params, await readRoutesPage(this.routeperf, params)),
    );
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
