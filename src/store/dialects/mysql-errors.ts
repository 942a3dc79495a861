import type { ErrorClassifier } from '../error-kind.js';

/** Server errors after which no statement succeeds until the server or its settings change. */
const OUTAGE_ERRNOS = new Set([
  1040, // too many connections
  1203, // max_user_connections
  1226, // a user resource limit
  1290, // --read-only (or another option) prevents the statement
  1836, // read-only mode
  1792, // read-only transaction
  1021, // disk full
  1114, // table full
  1037, // out of memory
  1038, // out of sort memory
  1041, // out of memory
  1053, // server shutdown in progress
  1927, // connection killed (MariaDB)
  1152, // connection aborted
  1158, // network read error
  1159, // network read timeout
  1160, // network write error
  1161, // network write timeout
  1044, // access denied to the database
  1045, // access denied
  1049, // unknown database
  1142, // command denied
  1146, // table does not exist (the schema is missing, or being created)
  2002, // cannot connect
  2003, // cannot connect
  2006, // server has gone away
  2013, // lost connection during query
  4031, // disconnected by the server for inactivity (MySQL)
]);
/** Deadlock, lock wait timeout, query interrupted (KILL QUERY), statement timeout (MariaDB, MySQL). */
const TRANSIENT_ERRNOS = new Set([1213, 1205, 1317, 1969, 3024]);
/** mysql2's own codes for a connection that is gone. */
const CLIENT_FAILURES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);

/** Reads a MySQL or MariaDB server error by its errno, and mysql2's connection failures. */
export const mysqlErrorKind: ErrorClassifier = (error) => {
  const { errno, sqlState, code, fatal } = (error ?? {}) as {
    errno?: unknown;
    sqlState?: unknown;
    code?: unknown;
    fatal?: unknown;
  };
  if (typeof errno === 'number' && typeof sqlState === 'string') {
    if (TRANSIENT_ERRNOS.has(errno)) return 'transient';
    return OUTAGE_ERRNOS.has(errno) ? 'outage' : 'message';
  }
  // mysql2 marks `fatal` an error after which the connection cannot be used.
  return fatal === true || CLIENT_FAILURES.has(String(code)) ? 'outage' : undefined;
};
