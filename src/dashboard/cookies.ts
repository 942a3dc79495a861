/**
 * The dashboard's cookies: read from a request's `Cookie` header, and written HttpOnly, SameSite=Strict
 * and scoped to the dashboard's path, so that neither a script nor another site's request carries them.
 */

/** The cookies of the dashboard, by role. */
export const COOKIE = {
  session: 'routeperf_session',
  csrf: 'routeperf_csrf',
  preferences: 'routeperf_prefs',
} as const;

/** Name to value of a `Cookie` header; the first of two cookies with one name wins, as browsers send the more specific first. */
export function readCookies(header: string | string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const pair of text.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  /** The dashboard's mount path; `/` for a dashboard at the root. */
  path: string;
  /** Seconds; a session cookie (gone when the browser closes) without it. */
  maxAge?: number;
  /** Sent over HTTPS only. */
  secure?: boolean;
}

/** A `Set-Cookie` value. `value` must be cookie-safe already (tokens and preferences are). */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.maxAge === undefined ? [] : [`Max-Age=${options.maxAge}`]),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
