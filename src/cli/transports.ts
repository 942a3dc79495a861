import { hostname } from 'node:os';
import { parseDsn } from '../bus/dsn.js';
import type { Transport } from '../bus/transport.js';
import { missingClientPackage, openTransport, recordTransportDsn } from '../bus/transports/index.js';
import type { ResolvedConfig } from '../config/types.js';
import { redactDsn, redactSecretsIn } from '../dsn.js';
import { causeOf, describeCause, isOutageCause, RouteperfError } from '../errors.js';
import { didYouMean, usageError } from './usage-error.js';

/** Milliseconds between the heartbeats of the workers `consume` runs; `diagnose` judges them by it. */
export const HEARTBEAT_INTERVAL_MS = 5000;
/** A worker whose last heartbeat is older than this is presumed dead (missed three beats). */
export const ALIVE_WITHIN_MS = 3 * HEARTBEAT_INTERVAL_MS;

const DSN = /^[a-z][a-z0-9+.-]*:/i;
const IN_PROCESS = ['sync:', 'memory:'];

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

/** True for transports whose messages live inside the app's process: no other process can receive them. */
export function isInProcess(dsn: string): boolean {
  return IN_PROCESS.includes(parseDsn(dsn).protocol);
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

/** Opens a transport for this process, with background errors going to the configured logger. */
export function openCliTransport(dsn: string, config: ResolvedConfig): Promise<Transport> {
  return openTransport(dsn, {
    database: config.database,
    tablePrefix: config.tablePrefix,
    consumerName: `${hostname()}-${process.pid}`,
    onBackgroundError: (error) =>
      config.logger.error(`routeperf transport ${redactDsn(dsn)}: ${transportCause(dsn, error)}`),
  });
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

/** What went wrong with the transport of `dsn`, without its secrets should the client library echo them. */
export function transportCause(dsn: string, error: unknown): string {
  return redactSecretsIn(describeCause(error), [dsn]);
}
