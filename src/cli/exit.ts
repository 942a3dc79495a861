import { inspect } from 'node:util';
import { causeOf, describeCause, RouteperfError } from '../errors.js';

/** Exit codes: 0 done, 1 the database, a transport or the work failed, 2 the command line or the configuration is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * 2 for a mistake in the command line or the configuration, 1 for anything else. A missing package counts as
 * configuration for a worker (waiting will not install it), but installing it is the fix, not an edit: 1.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof RouteperfError && error.code === 'ROUTEPERF_DRIVER_MISSING') return EXIT_FAILURE;
  return causeOf(error) === 'config' ? EXIT_USAGE : EXIT_FAILURE;
}

export interface FailureOptions {
  /** `-v`: a bug's stack, which a bug report needs, instead of the hint to ask for it. */
  verbose?: boolean;
}

/** What stderr says about a failure: the message, the reason behind it, and what to try next. */
export function failureMessage(
  error: unknown,
  command: string | undefined,
  { verbose = false }: FailureOptions = {},
): string {
  const prefix = command ? `routeperf ${command}` : 'routeperf';
  if (isSystemError(error)) return `${prefix}: ${error.message}`;
  if (!(error instanceof RouteperfError)) {
    if (causeOf(error) !== 'bug') return `${prefix}: ${describeCause(error)}`;
    return unexpectedError(prefix, error, verbose);
  }
  if (error.code === 'ROUTEPERF_CLI_USAGE') {
    return `${prefix}: ${asSentence(error.message)} Run "${prefix} --help" for usage.`;
  }
  // The message already holds the cause, with its secrets hidden: the raw cause is only for logs.
  if (error.code === 'ROUTEPERF_STORE_UNREACHABLE' && error.cause !== undefined) {
    return `${prefix}: ${error.message}\nCheck that the database is running and that --database or the "database" setting points at it.`;
  }
  return `${prefix}: ${error.message}`;
}

/**
 * A bug rather than a situation: one line that says so, and the stack (with the causes behind it) only
 * when asked for, since it means something to whoever reports the bug, not to whoever runs the command.
 */
function unexpectedError(prefix: string, error: unknown, verbose: boolean): string {
  if (verbose)
    return `${prefix}: unexpected error: ${error instanceof Error ? inspect(error) : String(error)}`;
  return `${prefix}: unexpected error: ${asSentence(describeCause(error))} Run it again with -v to see the stack.`;
}

function asSentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** An error of the operating system (a port that cannot be opened, a file that cannot be written). */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
