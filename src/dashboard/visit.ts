/**
 * One request to the dashboard as the pages see it: where under the mount path it goes, its query, its
 * cookies, the language and theme it gets, and its CSRF token (a new one, set as a cookie, when it came
 * without one).
 */
import type { DashboardLocale, DashboardRequest, Logger, ResolvedThresholds } from '../config/types.js';
import { COOKIE, readCookies, setCookie } from './cookies.js';
import { Formats } from './format.js';
import { negotiateLocale, translator } from './i18n/index.js';
import type { PageContext } from './pages/layout.js';
import { readPreferences } from './preferences.js';
import { randomToken } from './security.js';

/** What the handler knows of its dashboard, besides the routeperf it reads from. */
export interface DashboardSettings {
  /** The mount path; `''` for a dashboard at the root (the standalone server). */
  path: string;
  locale?: DashboardLocale;
  autoRefresh: number | false;
  /** The environments to choose from, the current one first. */
  environments: string[];
  thresholds: ResolvedThresholds;
  logger: Logger;
}

export interface Visit {
  request: DashboardRequest;
  /** The path under the mount path: `''`, `/`, `/routes`, `/assets/…`. */
  path: string;
  query: URLSearchParams;
  cookies: Map<string, string>;
  head: boolean;
  page: PageContext;
  /** Cookies to set with whatever the visit is answered. */
  setCookies: string[];
}

/** A CSRF token is a random token as `randomToken` writes it. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The path of a request target, without its query; an absolute URL (from a proxy) is reduced to its path. */
export function splitUrl(url: string): { path: string; query: string } {
  const target = /^https?:\/\//i.test(url) ? url.replace(/^https?:\/\/[^/?#]*/i, '') || '/' : url;
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  const query = target[end] === '?' ? target.slice(end + 1).split('#', 1)[0]! : '';
  return { path, query };
}

export function startVisit(
  settings: DashboardSettings,
  request: DashboardRequest,
  path: string,
  query: string,
): Visit {
  const cookies = readCookies(request.headers.cookie);
  const preferences = readPreferences(cookies.get(COOKIE.preferences));
  const t = translator(
    negotiateLocale(preferences.locale, settings.locale, request.headers['accept-language']),
  );
  const given = cookies.get(COOKIE.csrf);
  const csrfToken = given && TOKEN.test(given) ? given : randomToken();
  const cookiePath = settings.path || '/';
  const setCookies =
    csrfToken === given
      ? []
      : [setCookie(COOKIE.csrf, csrfToken, { path: cookiePath, secure: request.secure })];
  const search = query ? `?${query}` : '';
  return {
    request,
    path,
    query: new URLSearchParams(query),
    cookies,
    head: request.method.toUpperCase() === 'HEAD',
    setCookies,
    page: {
      base: settings.path,
      t,
      formats: new Formats(t.locale),
      theme: preferences.theme ?? 'auto',
      csrfToken,
      autoRefresh: settings.autoRefresh,
      currentUrl: `${settings.path}${path || '/'}${search}`,
      environments: settings.environments,
      thresholds: settings.thresholds,
    },
  };
}
