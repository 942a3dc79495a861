/**
 * What every dashboard response carries against script injection, framing and sniffing, and the two
 * primitives the access checks are made of: unguessable tokens and comparisons that take the same time
 * whatever the input.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * No inline script or style at all: the pages load the dashboard's own files only, and chart data travels
 * in `<script type="application/json">` blocks, which the browser never runs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers of every response of the dashboard, pages and files alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** 32 random bytes, base64url: a session id, a login token, a CSRF token. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Whether two secrets are equal, in a time that tells nothing of where they differ or how long the
 * expected one is: both are hashed first, so the comparison is always of 32 bytes.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
