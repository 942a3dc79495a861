import { RouteperfError } from '../errors.js';

/** Error codes of the drivers that mean the database could not be reached at all, rather than refused a write. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  '57P01', // PostgreSQL: admin shutdown
  '08006', // PostgreSQL: connection failure
]);

/**
 * True when `error` says the database is out of reach: retrying a smaller batch then cannot help, while a
 * refused write (a bad value, a constraint) may be one request's fault.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof RouteperfError) return error.code === 'ROUTEPERF_STORE_UNREACHABLE';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return /timeout.*connect|connect.*timeout|Connection terminated/i.test(String((error as Error)?.message));
}
