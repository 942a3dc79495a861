/**
 * The dashboard's answers in the framework-agnostic form every bridge sends: a status, headers (the
 * security headers always included) and a body. Pages are never cached; assets are, by their hashed name.
 */
import type { Asset } from './assets.js';
import { ASSET_MAX_AGE } from './assets.js';
import { SECURITY_HEADERS } from './security.js';

/** What the core handler answers. Header names are lower-case; `set-cookie` may have several values. */
export interface DashboardResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Uint8Array;
}

export interface ResponseExtras {
  cookies?: string[];
  headers?: Record<string, string>;
  /** A HEAD request: the headers of the answer without its body. */
  head?: boolean;
}

function withHeaders(
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string>,
  extras: ResponseExtras,
): DashboardResponse {
  const all: Record<string, string | string[]> = { ...SECURITY_HEADERS, ...headers, ...extras.headers };
  if (extras.cookies?.length) all['set-cookie'] = extras.cookies;
  return { status, headers: all, body: extras.head ? '' : body };
}

/** An HTML page, never cached. */
export function htmlResponse(status: number, page: string, extras: ResponseExtras = {}): DashboardResponse {
  return withHeaders(
    status,
    page,
    {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      vary: 'Cookie, Accept-Language',
    },
    extras,
  );
}

/** A 303 See Other to `location` (a path of the dashboard), never cached. */
export function redirect(location: string, extras: ResponseExtras = {}): DashboardResponse {
  return withHeaders(303, '', { location, 'cache-control': 'no-store' }, extras);
}

/** An asset, cached for a year: its name changes with its content. */
export function assetResponse(asset: Asset, head: boolean): DashboardResponse {
  return withHeaders(
    200,
    asset.body,
    {
      'content-type': asset.contentType,
      'cache-control': `public, max-age=${ASSET_MAX_AGE}, immutable`,
    },
    { head },
  );
}

/** A plain-text answer, for what has no page (an unknown asset). */
export function textResponse(status: number, text: string, extras: ResponseExtras = {}): DashboardResponse {
  return withHeaders(
    status,
    text,
    { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    extras,
  );
}

/** A file to save (an export): never cached, never shown in the page, named `fileName` (safe characters). */
export function downloadResponse(body: string, contentType: string, fileName: string): DashboardResponse {
  return withHeaders(
    200,
    body,
    {
      'content-type': contentType,
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'no-store',
    },
    {},
  );
}
