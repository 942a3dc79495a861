import { RouteperfError, type RouteperfErrorCode } from '../errors.js';

/** Exit codes: 0 done, 1 the database or the work failed, 2 the command line or the configuration is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES = new Set<RouteperfErrorCode>([
  'ROUTEPERF_CLI_USAGE',
  'ROUTEPERF_CONFIG_INVALID',
  'ROUTEPERF_CONFIG_FILE',
  'ROUTEPERF_DATABASE_URL',
]);

export function exitCodeFor(error: unknown): number {
  return error instanceof RouteperfError && USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** What stderr says about a failure: the message, the reason behind it, and what to try next. */
export function failureMessage(error: unknown, command: string | undefined): string {
  const prefix = command ? `routeperf ${command}` : 'routeperf';
  if (isSystemError(error)) return `${prefix}: ${error.message}`;
  if (!(error instanceof RouteperfError)) {
    // A bug rather than a situation: the stack is what a bug report needs.
    return `${prefix}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  }
  if (error.code === 'ROUTEPERF_CLI_USAGE') {
    const sentence = /[.?!]$/.test(error.message) ? error.message : `${error.message}.`;
    return `${prefix}: ${sentence} Run "${prefix} --help" for usage.`;
  }
  // The message already holds the cause, with its secrets hidden: the raw cause is only for logs.
  if (error.code === 'ROUTEPERF_STORE_UNREACHABLE' && error.cause !== undefined) {
    return `${prefix}: ${error.message}\nCheck that the database is running and that --database or the "database" setting points at it.`;
  }
  return `${prefix}: ${error.message}`;
}

/** An error of the operating system (a port that cannot be opened, a file that cannot be written). */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
