/**
 * Who may see the dashboard, deny by default. A request gets in with a session (from a one-time login
 * link), when `allowUnauthenticated` is set (development only, checked with the configuration), when
 * `authorize` resolves to true, or with the `basicAuth` user and password. Anything else is refused: 401
 * with a Basic challenge when a password would let it in, 403 otherwise.
 */
import type { DashboardRequest, Logger } from '../config/types.js';
import { sameSecret } from './security.js';

export interface AccessRules {
  authorize?: (request: DashboardRequest) => boolean | Promise<boolean>;
  basicAuth?: { user: string; password: string };
  allowUnauthenticated?: boolean;
}

/** Why a request was refused: no credentials that count, a no from `authorize`, or no rule at all. */
export type Refusal = 'credentials' | 'denied' | 'unconfigured';

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; refusal: Refusal };

const ALLOWED: AccessDecision = { allowed: true };

/** The challenge of a 401: the browser then asks for the user name and password. */
export const BASIC_CHALLENGE = 'Basic realm="routeperf dashboard", charset="UTF-8"';

export async function decideAccess(
  rules: AccessRules,
  request: DashboardRequest,
  hasSession: boolean,
  logger: Logger,
): Promise<AccessDecision> {
  if (hasSession || rules.allowUnauthenticated) return ALLOWED;
  if (rules.authorize && (await authorizes(rules.authorize, request, logger))) return ALLOWED;
  if (rules.basicAuth) {
    if (matchesBasicAuth(rules.basicAuth, request.headers.authorization)) return ALLOWED;
    return { allowed: false, status: 401, refusal: 'credentials' };
  }
  return { allowed: false, status: 403, refusal: rules.authorize ? 'denied' : 'unconfigured' };
}

/** Only `true` lets a request in: a throw, a rejection or any other value refuses it. */
async function authorizes(
  authorize: NonNullable<AccessRules['authorize']>,
  request: DashboardRequest,
  logger: Logger,
): Promise<boolean> {
  try {
    return (await authorize(request)) === true;
  } catch (error) {
    try {
      logger.warn(
        `dashboard.authorize threw, so the request was refused: ${(error as Error)?.message ?? error}`,
      );
    } catch {
      // A broken logger must not turn a refusal into an error.
    }
    return false;
  }
}

/** The `user:password` of an `Authorization: Basic …` header; '' without one. */
function basicCredentials(header: string | string[] | undefined): string {
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
}

/** The user name of an `Authorization: Basic …` header, if it has one: who a review is by, by default. */
export function basicAuthUser(header: string | string[] | undefined): string | undefined {
  const decoded = basicCredentials(header);
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon).slice(0, 200);
  return user && !/[\p{Cc}]/u.test(user) ? user : undefined;
}

/** Whether an `Authorization: Basic …` header carries the configured user and password. */
export function matchesBasicAuth(
  expected: { user: string; password: string },
  header: string | string[] | undefined,
): boolean {
  const decoded = basicCredentials(header);
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  // Both compared every time, so that the time taken tells neither which one was wrong.
  const userMatches = sameSecret(user, expected.user);
  const passwordMatches = sameSecret(password, expected.password);
  return colon >= 0 && userMatches && passwordMatches;
}
