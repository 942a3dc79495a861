import { type CauseClassifier, causeOf, type ErrorCause } from '../errors.js';
import { mysqlErrorCause } from './dialects/mysql/mysql-errors.js';
import { postgresErrorCause } from './dialects/postgres/postgres-errors.js';
import { sqliteErrorCause } from './dialects/sqlite/sqlite-errors.js';

/** Each driver's errors have their own shape, so one reading serves the store, the failure store and the queue. */
const DRIVER_CLASSIFIERS: readonly CauseClassifier[] = [
  postgresErrorCause,
  mysqlErrorCause,
  sqliteErrorCause,
];

const classifyDriverError: CauseClassifier = (error) => {
  for (const classify of DRIVER_CLASSIFIERS) {
    const cause = classify(error);
    if (cause) return cause;
  }
  return undefined;
};

/**
 * The cause (see ErrorCause) of an error met by the store, the failure store or a queue in a database:
 * what no driver claims (a decoding error, a TypeError) is a `bug`.
 */
export function errorCause(error: unknown): ErrorCause {
  return causeOf(error, classifyDriverError);
}
