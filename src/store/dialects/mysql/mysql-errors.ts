import type { CauseClassifier, ErrorCause } from '../../../errors.js';

/** Server errors by errno; any other is the statement's: `badMessage`. */
const CAUSE_OF_ERRNO = new Map<number, ErrorCause>([
  [1053, 'unreachable'], // server shutdown in progress
  [1927, 'unreachable'], // connection killed (MariaDB)
  [1152, 'unreachable'], // connection aborted
  [1158, 'unreachable'], // network read error
  [1159, 'unreachable'], // network read timeout
  [1160, 'unreachable'], // network write error
  [1161, 'unreachable'], // network write timeout
  [1045, 'unreachable'], // access denied: the login is refused
  [1049, 'unreachable'], // unknown database
  [1146, 'unreachable'], // table does not exist (the schema is missing, or being created)
  [2002, 'unreachable'], // cannot connect
  [2003, 'unreachable'], // cannot connect
  [2006, 'unreachable'], // server has gone away
  [2013, 'unreachable'], // lost connection during query
  [4031, 'unreachable'], // disconnected by the server for inactivity (MySQL)
  [1040, 'overloaded'], // too many connections
  [1203, 'overloaded'], // max_user_connections
  [1226, 'overloaded'], // a user resource limit
  [1021, 'overloaded'], // disk full
  [1114, 'overloaded'], // table full
  [1037, 'overloaded'], // out of memory
  [1038, 'overloaded'], // out of sort memory
  [1041, 'overloaded'], // out of memory
  [1213, 'overloaded'], // deadlock
  [1205, 'overloaded'], // lock wait timeout
  [1317, 'overloaded'], // query interrupted (KILL QUERY)
  [1969, 'overloaded'], // statement timeout (MariaDB)
  [3024, 'overloaded'], // statement timeout (MySQL)
  [1290, 'readOnly'], // --read-only (or another option) prevents the statement
  [1836, 'readOnly'], // read-only mode
  [1792, 'readOnly'], // read-only transaction
  [1044, 'readOnly'], // access denied to the database: a missing privilege
  [1142, 'readOnly'], // command denied
]);

/** mysql2's own codes for a connection that is gone. */
const CLIENT_FAILURES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);

/** Reads a MySQL or MariaDB server error by its errno, and mysql2's connection failures. */
export const mysqlErrorCause: CauseClassifier = (error) => {
  const { errno, sqlState, code, fatal } = (error ?? {}) as {
    errno?: unknown;
    sqlState?: unknown;
    code?: unknown;
    fatal?: unknown;
  };
  if (typeof errno === 'number' && typeof sqlState === 'string') {
    return CAUSE_OF_ERRNO.get(errno) ?? 'badMessage';
  }
  // mysql2 marks `fatal` an error after which the connection cannot be used.
  return fatal === true || CLIENT_FAILURES.has(String(code)) ? 'unreachable' : undefined;
};
