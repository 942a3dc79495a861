/**
 * What a failed call to a database or a broker means for the batch it carried:
 * - `outage`: nothing can be written now (the connection, the server's resources, a read-only or
 *   shutting-down server, a permission); the same batch succeeds once the server is back, so wait and
 *   try it again whole.
 * - `transient`: this transaction lost a race (a deadlock, a lock or statement timeout); try it again.
 * - `message`: something in the batch itself (a value the schema cannot hold); trying it again fails the
 *   same way, so find the message at fault.
 */
export type ErrorKind = 'outage' | 'transient' | 'message';

/** A dialect's reading of an error: undefined when the error is not one of its driver's. */
export type ErrorClassifier = (error: unknown) => ErrorKind | undefined;

/** Node's socket and name-resolution errors, whichever client met them. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export const socketErrorKind: ErrorClassifier = (error) =>
  SOCKET_CODES.has(String((error as { code?: unknown })?.code)) ? 'outage' : undefined;
