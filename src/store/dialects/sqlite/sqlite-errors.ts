import type { CauseClassifier, ErrorCause } from '../../../errors.js';

/**
 * Causes by the primary result code, the prefix of an extended one (`SQLITE_BUSY_SNAPSHOT`…); any other
 * code is the statement's: `badMessage`.
 */
const CAUSES: readonly [RegExp, ErrorCause][] = [
  // The file cannot be read or written at all: an I/O error, a file that cannot be opened.
  [/^SQLITE_(IOERR|CANTOPEN)/, 'unreachable'],
  // Another connection holds the lock (or is recovering the WAL); the disk or memory is full.
  [/^SQLITE_(BUSY|LOCKED|PROTOCOL|FULL|NOMEM)/, 'overloaded'],
  // A file opened read-only, or one the process may not write.
  [/^SQLITE_(READONLY|PERM)/, 'readOnly'],
];

/** Reads a better-sqlite3 error by its extended result code. */
export const sqliteErrorCause: CauseClassifier = (error) => {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  return CAUSES.find(([pattern]) => pattern.test(code))?.[1] ?? 'badMessage';
};
