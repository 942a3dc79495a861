import { closest } from '../config/format-error.js';
import { RouteperfError } from '../errors.js';

export interface DsnOptionRules {
  /** The options the transport reads. */
  known: readonly string[];
  /** Options handed on to the client library, accepted as they are. */
  passedOn?: readonly string[];
  /**
   * True when every other option belongs to a database driver (`?sslmode=require`): only a near miss of a
   * known option (`?queu=`) is refused then.
   */
  othersPassedOn?: boolean;
}

/**
 * Refuses a query option of a transport DSN that the transport would ignore: misspelt (`?queu=metrics`),
 * it would silently leave the default in place. The error names the option, the nearest known one, and
 * the options accepted.
 */
export function rejectUnknownOptions(dsn: URL, rules: DsnOptionRules): void {
  const accepted = [...rules.known, ...(rules.passedOn ?? [])];
  for (const key of dsn.searchParams.keys()) {
    if (accepted.includes(key)) continue;
    const hint = closest(key, accepted);
    if (rules.othersPassedOn && hint === undefined) continue;
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_INVALID',
      `transport ${dsn.protocol}// ${key}: unknown option${hint ? `; did you mean "${hint}"?` : ''} (expected one of ${accepted.join(', ')})`,
    );
  }
}
