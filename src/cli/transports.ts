import type { Transport } from '../bus/transport.js';
import { missingClientPackage, recordTransportDsn } from '../bus/transports/index.js';
import type { ResolvedConfig } from '../config/types.js';
import { redactDsn } from '../dsn.js';
import { causeOf, isOutageCause, RouteperfError } from '../errors.js';
import { transportCause } from '../routeperf/transports.js';
import { didYouMean, usageError } from './usage-error.js';

const DSN = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The DSN of a transport given on the command line: a name from `transports` or a DSN. Without one, the
 * transport `routeperf.record` messages go to (routed, else `transport`).
 */
export function transportDsn(config: ResolvedConfig, given?: string): string {
  if (given !== undefined && !DSN.test(given) && !Object.hasOwn(config.transports, given)) {
    const known = Object.keys(config.transports);
    throw usageError(
      `unknown transport ${JSON.stringify(given)}; expected a name from "transports" (${known.length ? known.join(', ') : 'none defined'}) or a DSN such as redis://127.0.0.1:6379/routeperf${didYouMean(given, known)}`,
    );
  }
  return recordTransportDsn(config, given);
}

/** Fails with the `npm install` line when the client package of the DSN's transport is missing. */
export async function requireClientPackage(dsn: string, config: ResolvedConfig): Promise<void> {
  const missing = await missingClientPackage(dsn, config);
  if (missing === undefined) return;
  throw new RouteperfError(
    'ROUTEPERF_DRIVER_MISSING',
    `transport ${redactDsn(dsn)} needs the "${missing}" package, which is not installed. Run: npm install ${missing}`,
  );
}

/**
 * Runs one call on a transport. An outage (see ErrorCause) becomes ROUTEPERF_TRANSPORT_UNREACHABLE, whose
 * message names the transport rather than the database, which `withRouteperf` would otherwise blame. Any
 * other error goes through as what it is: a refused login is a configuration mistake, a defect is a bug.
 * `transport` reads the errors of its calls; while it is being opened, there is none yet to ask.
 */
export async function onTransport<T>(
  dsn: string,
  action: string,
  call: () => Promise<T>,
  transport?: Pick<Transport, 'causeOf'>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isOutageCause(transport ? transport.causeOf(error) : causeOf(error))) throw error;
    throw new RouteperfError(
      'ROUTEPERF_TRANSPORT_UNREACHABLE',
      `could not ${action} transport ${redactDsn(dsn)}: ${transportCause(dsn, error).replace(/\.$/, '')}. Check that it is running and that "transport" points at it.`,
      { cause: error },
    );
  }
}
