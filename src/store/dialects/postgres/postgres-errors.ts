import type { CauseClassifier, ErrorCause } from '../../../errors.js';

/** Causes of single SQLSTATEs, read before their class's. */
const CAUSE_OF_CODE: Record<string, ErrorCause> = {
  // Serialization failure, deadlock, lock not available, statement timeout or cancel (in class 57, but
  // the server is up).
  '40001': 'overloaded',
  '40P01': 'overloaded',
  '55P03': 'overloaded',
  '57014': 'overloaded',
  // Read-only transaction (a standby, default_transaction_read_only), insufficient privilege.
  '25006': 'readOnly',
  '42501': 'readOnly',
  // Undefined table: the schema is missing, or being created by another process.
  '42P01': 'unreachable',
};

/**
 * Causes of SQLSTATE classes in which no statement succeeds until the server, its resources or its
 * settings change: connection exception (08), operator intervention (57: shutdown, crash, database
 * dropped), system error (58), invalid authorization (28), invalid catalog name (3D: the database does not
 * exist); insufficient resources (53: disk full, out of memory, too many connections).
 */
const CAUSE_OF_CLASS: Record<string, ErrorCause> = {
  '08': 'unreachable',
  '57': 'unreachable',
  '58': 'unreachable',
  '28': 'unreachable',
  '3D': 'unreachable',
  '53': 'overloaded',
};

/**
 * What pg's own failures say (`timeout expired` is a client's connect timeout), and Kysely's for a
 * connection it gave up after a failed rollback; they carry no SQLSTATE.
 */
const CLIENT_FAILURES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|^timeout expired$|Postgres connection has been discarded/;

/** Reads a PostgreSQL server error by its SQLSTATE, and pg's connection failures by their message. */
export const postgresErrorCause: CauseClassifier = (error) => {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return CAUSE_OF_CODE[code] ?? CAUSE_OF_CLASS[code.slice(0, 2)] ?? 'badMessage';
  }
  return error instanceof Error && CLIENT_FAILURES.test(error.message) ? 'unreachable' : undefined;
};
