/**
 * The one error class routeperf throws. `code` is stable and searchable; the message says what to do.
 */
export type RouteperfErrorCode =
  | 'ROUTEPERF_CONFIG_INVALID'
  | 'ROUTEPERF_CONFIG_FILE'
  | 'ROUTEPERF_DATABASE_URL'
  | 'ROUTEPERF_DRIVER_MISSING'
  | 'ROUTEPERF_STORE_UNREACHABLE'
  | 'ROUTEPERF_STORE_SCHEMA'
  | 'ROUTEPERF_TRANSPORT_UNREACHABLE'
  | 'ROUTEPERF_TRANSPORT_REFUSED'
  | 'ROUTEPERF_REBUILD_REFUSED'
  | 'ROUTEPERF_CLI_USAGE';

/**
 * Why a call to a database or a broker failed, as far as the code that made it must know:
 * - `unreachable`: the server cannot be reached or used now (connection, shutdown, missing schema);
 * - `overloaded`: the server is up but out of a resource or lost a race (connections, disk, a deadlock);
 * - `readOnly`: the server refuses writes (a standby, read-only mode, a missing privilege);
 * - `badMessage`: something in the work itself that the server will refuse every time;
 * - `config`: the configuration or the command line is wrong;
 * - `bug`: nothing routeperf knows; a defect to report.
 * The first three are outages: the same work succeeds later, so it waits and is tried again whole.
 */
export type ErrorCause = 'unreachable' | 'overloaded' | 'readOnly' | 'badMessage' | 'config' | 'bug';

const OUTAGE_CAUSES: ReadonlySet<ErrorCause> = new Set(['unreachable', 'overloaded', 'readOnly']);

/** True for the causes after which the same work, tried again later, goes through. */
export function isOutageCause(cause: ErrorCause): boolean {
  return OUTAGE_CAUSES.has(cause);
}

/** The cause each code stands for: routeperf's own errors classify themselves. */
const CAUSE_OF_CODE: Record<RouteperfErrorCode, ErrorCause> = {
  ROUTEPERF_CONFIG_INVALID: 'config',
  ROUTEPERF_CONFIG_FILE: 'config',
  ROUTEPERF_DATABASE_URL: 'config',
  ROUTEPERF_CLI_USAGE: 'config',
  ROUTEPERF_DRIVER_MISSING: 'config',
  ROUTEPERF_STORE_UNREACHABLE: 'unreachable',
  // Missing or older tables: the worker waits for `routeperf migrate` (or another process's autoSetup).
  ROUTEPERF_STORE_SCHEMA: 'unreachable',
  ROUTEPERF_TRANSPORT_UNREACHABLE: 'unreachable',
  // The broker answered and said no (credentials, vhost): the DSN must change before anything works.
  ROUTEPERF_TRANSPORT_REFUSED: 'config',
  // Rebuilding that window would lose requests that have no access record: the window must change.
  ROUTEPERF_REBUILD_REFUSED: 'config',
};

export class RouteperfError extends Error {
  override readonly name = 'RouteperfError';

  constructor(
    readonly code: RouteperfErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get errorCause(): ErrorCause {
    return CAUSE_OF_CODE[this.code];
  }
}

/** Node's socket and name-resolution errors, whichever client met them. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** A client's own reading of its errors: undefined for an error that is not one of its own. */
export type CauseClassifier = (error: unknown) => ErrorCause | undefined;

/**
 * The cause of an error from any client: routeperf's own errors by their code, then `classify` (a
 * driver's or a broker client's reading), then Node's socket errors; an aggregate (connecting to
 * `localhost` tries ::1 and 127.0.0.1) or a wrapper by what it holds. What nobody claims is a bug.
 */
export function causeOf(error: unknown, classify?: CauseClassifier): ErrorCause {
  if (error instanceof RouteperfError) return error.errorCause;
  const claimed = classify?.(error);
  if (claimed) return claimed;
  if (SOCKET_CODES.has(String((error as { code?: unknown })?.code))) return 'unreachable';
  if (error instanceof AggregateError) {
    const causes = error.errors.map((inner) => causeOf(inner, classify));
    return causes.find(isOutageCause) ?? causes[0] ?? 'bug';
  }
  const inner = (error as { cause?: unknown })?.cause;
  return inner !== undefined && inner !== error ? causeOf(inner, classify) : 'bug';
}

/** An error's message, or its inner errors' when it has none (connecting to `localhost` tries ::1 and 127.0.0.1). */
export function describeCause(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map(describeCause).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
