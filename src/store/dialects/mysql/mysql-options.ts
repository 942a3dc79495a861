import { RouteperfError } from '../../../errors.js';
import type { ClaimMethod } from '../dialect.js';

/** The URL's query option routeperf reads itself: `returning=on|off` forces how ids are claimed. */
const RETURNING_OPTION = 'returning';

/**
 * `returning` as the URL sets it, or undefined to ask the server. `off` serves servers that misreport
 * what they are (proxies, MySQL-compatible databases); `on` spares the question.
 */
export function returningOption(url: string): ClaimMethod | undefined {
  const value = new URL(url).searchParams.get(RETURNING_OPTION);
  if (value === null) return undefined;
  if (value === 'on') return 'returning';
  if (value === 'off') return 'claim-token';
  throw new RouteperfError(
    'ROUTEPERF_DATABASE_URL',
    `database: the "${RETURNING_OPTION}" option of a mysql: URL expects on or off, got ${JSON.stringify(value)}`,
  );
}

/** The URL without routeperf's own options, which mysql2 would warn about. */
export function withoutRouteperfOptions(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has(RETURNING_OPTION)) return url;
  parsed.searchParams.delete(RETURNING_OPTION);
  return parsed.toString();
}
