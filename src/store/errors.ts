import { type ErrorCause, RouteperfError, type RouteperfErrorCode } from '../errors.js';
import { mysqlErrorKind } from './dialects/mysql-errors.js';
import { postgresErrorKind } from './dialects/postgres-errors.js';
import { sqliteErrorKind } from './dialects/sqlite-errors.js';
import { type ErrorClassifier, type ErrorKind, socketErrorKind } from './error-kind.js';

export type { ErrorKind } from './error-kind.js';

/** Each driver's errors have their own shape, so one reading serves the store, the failure store and the queue. */
const CLASSIFIERS: readonly ErrorClassifier[] = [
  socketErrorKind,
  postgresErrorKind,
  mysqlErrorKind,
  sqliteErrorKind,
];

/** routeperf's own errors that say the database cannot be used as it is now. */
const OUTAGE_CODES = new Set<RouteperfErrorCode>(['ROUTEPERF_STORE_UNREACHABLE', 'ROUTEPERF_STORE_SCHEMA']);

/**
 * What a failed call means for its batch (see ErrorKind). An error no driver claims (a bug, a decoding
 * error) is the batch's: `message`.
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof RouteperfError) return OUTAGE_CODES.has(error.code) ? 'outage' : 'message';
  for (const classify of CLASSIFIERS) {
    const kind = classify(error);
    if (kind) return kind;
  }
  // Connecting to `localhost` tries ::1 and 127.0.0.1, and fails with both errors.
  if (error instanceof AggregateError)
    return error.errors.some((inner) => errorKind(inner) !== 'message') ? 'outage' : 'message';
  const cause = (error as { cause?: unknown })?.cause;
  return cause !== undefined && cause !== error ? errorKind(cause) : 'message';
}

/** True when the error is not the batch's fault: the same batch, tried again later, will go through. */
export function isOutage(error: unknown): boolean {
  return errorKind(error) !== 'message';
}

/** The cause (see ErrorCause) of an error met by the store, the failure store or a queue in a database. */
export function errorCause(error: unknown): ErrorCause {
  if (error instanceof RouteperfError) return error.errorCause;
  const kind = errorKind(error);
  return kind === 'outage' ? 'unreachable' : kind === 'transient' ? 'overloaded' : 'badMessage';
}
