import type { Logger } from '../logger.js';
import { closest } from './format-error.js';
import type { ResolvedConfig } from './types.js';

type EnvironmentSettings = Pick<ResolvedConfig, 'enabled' | 'environment' | 'environments'>;

/**
 * Why routeperf, though enabled, records nothing in the current environment; undefined when it records.
 * The one check behind the start-up warning and `routeperf diagnose`.
 */
export function unrecordedEnvironment(config: EnvironmentSettings): string | undefined {
  if (!config.enabled || config.environments.includes(config.environment)) return undefined;
  return `environment "${config.environment}" is not in environments [${config.environments.join(', ')}], so no request is recorded; add it to environments, or set enabled: false to turn routeperf off on purpose`;
}

/**
 * A warning for each `overrides` key that names neither the current environment nor one of `environments`:
 * its settings would never apply, most likely because of a typo.
 */
export function unknownOverrideWarnings(
  overrideKeys: Iterable<string>,
  config: EnvironmentSettings,
): string[] {
  const known = [...new Set([...config.environments, config.environment])];
  return [...new Set(overrideKeys)]
    .filter((key) => !known.includes(key))
    .map((key) => {
      const hint = closest(key, known);
      return `overrides.${key}: "${key}" is not a known environment (environments: ${known.join(', ')}), so these settings never apply${hint ? `; did you mean "${hint}"?` : ''}`;
    });
}

const warned = new WeakMap<Logger, Set<string>>();

/** Logs `message` as a warning, once per logger: configuration is resolved more than once in a process. */
export function warnOnce(logger: Logger, message: string): void {
  const seen = warned.get(logger) ?? new Set<string>();
  warned.set(logger, seen);
  if (seen.has(message)) return;
  seen.add(message);
  try {
    logger.warn(message);
  } catch {
    // A broken logger must not stop the app from starting.
  }
}
