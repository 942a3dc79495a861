import { unrecordedEnvironment, warnOnce } from '../config/environments.js';
import { resolveConfig } from '../config/load.js';
import type { ResolvedConfig, RouteperfOptions } from '../config/types.js';
import { dsnsOf, withoutSecrets } from '../dsn.js';

/**
 * The configuration an app's routeperf runs with: resolved and validated (defaults, config file,
 * `options`, CLI flags, overrides), with a warning when its environment records nothing, and a logger
 * that never prints the passwords of its DSNs.
 */
export async function appConfig(options: RouteperfOptions, cli: RouteperfOptions): Promise<ResolvedConfig> {
  const resolved = await resolveConfig({ explicit: options, cli });
  const unrecorded = unrecordedEnvironment(resolved);
  // Once per logger the app passed in: the wrapper below is new on every call.
  if (unrecorded) warnOnce(resolved.logger, unrecorded);
  return { ...resolved, logger: withoutSecrets(resolved.logger, dsnsOf(resolved)) };
}
