import { closest } from '../config/format-error.js';
import { RouteperfError } from '../errors.js';

/** A mistake on the command line: exit code 2, with a pointer to `--help`. */
export function usageError(message: string): RouteperfError {
  return new RouteperfError('ROUTEPERF_CLI_USAGE', message);
}

/** `a, b or c` */
export function listOf(items: readonly string[], conjunction = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}

/** `; did you mean x?` when `given` is a likely typo of one of `candidates`, else ''. */
export function didYouMean(given: string, candidates: readonly string[]): string {
  const hint = closest(given, candidates);
  return hint ? `; did you mean ${hint}?` : '';
}
