/**
 * One request to the dashboard as the pages see it: where under the mount path it goes, its query, its
 * cookies, the language and theme it gets, and its CSRF token (a new one, set as a cookie, when it came
 * without one).
 */
import type {
  DashboardAction,
  DashboardHooks,
  DashboardLocale,
  DashboardRequest,
  Logger,
  ResolvedThresholds,
} from '../config/types.js';
import { basicAuthUser } from './access.js';
import { COOKIE, readCookies, setCookie } from './cookies.js';
import { Formats } from './format.js';
import { type MessageKey, negotiateLocale, type Translator, translator } from './i18n/index.js';
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
  /** The actions the configuration turns on, and the functions called around them. */
  actions: Readonly<Record<DashboardAction, boolean>>;
  hooks: DashboardHooks;
  /** The most rows a download holds. */
  exportMaxRows: number;
  /** Whether routeperf stores access records (`accessRecords.enabled`). */
  accessRecords: boolean;
  /** The most routes the statistics page reads: `maxRoutes`, the most routes an environment has. */
  maxRoutes: number;
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
  const parameters = new URLSearchParams(query);
  const formats = new Formats(t.locale);
  return {
    request,
    path,
    query: parameters,
    cookies,
    head: request.method.toUpperCase() === 'HEAD',
    setCookies,
    page: {
      base: settings.path,
      t,
      formats,
      theme: preferences.theme ?? 'auto',
      csrfToken,
      autoRefresh: settings.autoRefresh,
      currentUrl: `${settings.path}${path || '/'}${search}`,
      environments: settings.environments,
      thresholds: settings.thresholds,
      exportMaxRows: settings.exportMaxRows,
      accessRecords: settings.accessRecords,
      actions: settings.actions,
      user: basicAuthUser(request.headers.authorization),
      notice: noticeOf(parameters, t, formats),
    },
  };
}

/** What each action says once it is done, by the `done` parameter of the page it comes back to. */
const DONE: Readonly<Record<string, MessageKey>> = {
  review: 'doneReview',
  reviewReset: 'doneReviewReset',
  deleteRoute: 'doneDeleteRoute',
  clearEnvironment: 'doneClearEnvironment',
  purgeRecords: 'donePurgeRecords',
  deleteRecords: 'doneDeleteRecords',
};

/** The notice of `done` and `changed` (how many requests or records), when `done` names an action. */
function noticeOf(query: URLSearchParams, t: Translator, formats: Formats): string | undefined {
  const done = query.get('done') ?? '';
  if (!Object.hasOwn(DONE, done)) return undefined;
  const changed = /^\d{1,12}$/.test(query.get('changed') ?? '') ? Number(query.get('changed')) : 0;
  return t(DONE[done]!, { count: formats.count(changed) });
}
