import type { ErrorClassifier } from '../error-kind.js';

/**
 * SQLSTATE classes in which no statement succeeds until the server, its resources or its settings change:
 * connection exception (08), insufficient resources (53: disk full, out of memory, too many connections),
 * operator intervention (57: shutdown, crash, database dropped), system error (58), invalid authorization
 * (28), invalid catalog name (3D: the database does not exist).
 */
const OUTAGE_CLASSES = new Set(['08', '53', '57', '58', '28', '3D']);
/**
 * Read-only transaction (a standby, default_transaction_read_only), insufficient privilege, undefined
 * table (the schema is missing, or being created by another process).
 */
const OUTAGE_CODES = new Set(['25006', '42501', '42P01']);
/**
 * Serialization failure, deadlock, lock not available, statement timeout or cancel (in class 57, but the
 * server is up).
 */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57014']);
/**
 * What pg's own failures say (`timeout expired` is a client's connect timeout), and Kysely's for a
 * connection it gave up after a failed rollback; they carry no SQLSTATE.
 */
const CLIENT_FAILURES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|^timeout expired$|Postgres connection has been discarded/;

/** Reads a PostgreSQL server error by its SQLSTATE, and pg's connection failures by their message. */
export const postgresErrorKind: ErrorClassifier = (error) => {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_CODES.has(code)) return 'transient';
    return OUTAGE_CODES.has(code) || OUTAGE_CLASSES.has(code.slice(0, 2)) ? 'outage' : 'message';
  }
  return error instanceof Error && CLIENT_FAILURES.test(error.message) ? 'outage' : undefined;
};
