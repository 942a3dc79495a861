import { readFileSync } from 'node:fs';
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

/** The URL's TLS options: `ssl=true` (Node's trusted CAs) or `ssl-ca=<PEM file>` (a managed service's CA). */
const SSL_OPTION = 'ssl';
const SSL_CA_OPTION = 'ssl-ca';

/** The URL without routeperf's own options, which mysql2 would warn about or misread. */
export function withoutRouteperfOptions(url: string): string {
  const parsed = new URL(url);
  const own = [RETURNING_OPTION, SSL_OPTION, SSL_CA_OPTION].filter((key) => parsed.searchParams.has(key));
  if (own.length === 0) return url;
  for (const key of own) parsed.searchParams.delete(key);
  return parsed.toString();
}

/** What mysql2's `ssl` gets: the server's certificate is always verified, its name included. */
interface SslOption {
  ca?: Buffer;
  rejectUnauthorized: true;
  verifyIdentity: true;
}

/**
 * mysql2's `ssl` for the URL's TLS options, or undefined without them: the certificate is checked against
 * Node's trusted CAs (`ssl=true`) or the `ssl-ca` file.
 */
export function sslOption(url: string): SslOption | undefined {
  const params = new URL(url).searchParams;
  const ssl = params.get(SSL_OPTION);
  const caFile = params.get(SSL_CA_OPTION);
  if (ssl !== null && ssl !== 'true' && ssl !== 'false')
    throw invalidUrl(`the "ssl" option expects true or false, got ${JSON.stringify(ssl)}`);
  const verified = { rejectUnauthorized: true, verifyIdentity: true } as const;
  if (caFile === null) return ssl === 'true' ? verified : undefined;
  if (ssl === 'false') throw invalidUrl('ssl=false and ssl-ca contradict each other: ssl-ca turns TLS on');
  try {
    return { ca: readFileSync(caFile), ...verified };
  } catch (error) {
    throw invalidUrl(
      `the "ssl-ca" option expects a readable PEM file, got ${JSON.stringify(caFile)} (${(error as Error).message})`,
    );
  }
}

function invalidUrl(problem: string) {
  return new RouteperfError('ROUTEPERF_DATABASE_URL', `database: ${problem}`);
}
