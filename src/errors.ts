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
  | 'ROUTEPERF_CLI_USAGE';

export class RouteperfError extends Error {
  override readonly name = 'RouteperfError';

  constructor(
    readonly code: RouteperfErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
