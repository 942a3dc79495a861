/**
 * `POST <path>/preferences`, the dashboard's one form that changes something: it saves the language and
 * theme in their cookie and goes back to the page it was sent from. Like every POST it must carry the
 * CSRF token of its browser's cookie (double submit: an HttpOnly, SameSite=Strict cookie and the same
 * value in a hidden field, compared in constant time); without it, 403.
 */
import { COOKIE, setCookie } from './cookies.js';
import { isLocale } from './i18n/index.js';
import { messagePage } from './pages/message.js';
import { isTheme, PREFERENCES_MAX_AGE, writePreferences } from './preferences.js';
import { type DashboardResponse, htmlResponse, redirect } from './responses.js';
import { sameSecret } from './security.js';
import type { Visit } from './visit.js';

/** Whether the form's `csrf` field is the token of the browser's CSRF cookie. */
export function hasCsrfToken(visit: Visit, form: URLSearchParams): boolean {
  const cookie = visit.cookies.get(COOKIE.csrf);
  const field = form.get('csrf');
  return !!cookie && !!field && sameSecret(field, cookie);
}

/**
 * Where to go back to: `back` when it is a page of this dashboard, else the overview. Anything else
 * (another site, `//host`, a path outside the dashboard) would make the form an open redirect.
 */
export function backTo(back: string | null, mount: string): string {
  const overview = `${mount}/`;
  if (!back?.startsWith('/') || back.startsWith('//') || /[\p{Cc}\\]/u.test(back)) return overview;
  const url = new URL(back, 'http://dashboard.invalid');
  if (url.origin !== 'http://dashboard.invalid') return overview;
  const inside = mount === '' || url.pathname === mount || url.pathname.startsWith(`${mount}/`);
  // Rebuilt from the parsed URL: percent-encoded, so that it is a valid Location header.
  return inside ? `${url.pathname}${url.search}` : overview;
}

export function savePreferences(visit: Visit, mount: string): DashboardResponse {
  const form = new URLSearchParams(visit.request.body ?? '');
  if (!hasCsrfToken(visit, form)) {
    return htmlResponse(403, messagePage(visit.page, 'csrfTitle', 'csrfText'), { cookies: visit.setCookies });
  }
  const locale = form.get('locale');
  const theme = form.get('theme');
  const preferences = writePreferences({
    locale: isLocale(locale) ? locale : visit.page.t.locale,
    theme: isTheme(theme) ? theme : visit.page.theme,
  });
  const cookie = setCookie(COOKIE.preferences, preferences, {
    path: mount || '/',
    maxAge: PREFERENCES_MAX_AGE,
    secure: visit.request.secure,
  });
  return redirect(backTo(form.get('back'), mount), { cookies: [...visit.setCookies, cookie] });
}
