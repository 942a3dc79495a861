import type { ErrorClassifier } from '../error-kind.js';

/** The database file cannot be written now: disk full, read-only, I/O error, cannot be opened, no memory. */
const OUTAGE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|NOMEM|PERM|PROTOCOL)/;
/** Another connection holds the lock. */
const TRANSIENT = /^SQLITE_(BUSY|LOCKED)/;

/** Reads a better-sqlite3 error by its extended result code (`SQLITE_BUSY_SNAPSHOT`…). */
export const sqliteErrorKind: ErrorClassifier = (error) => {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (TRANSIENT.test(code)) return 'transient';
  return OUTAGE.test(code) ? 'outage' : 'message';
};
