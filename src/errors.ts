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

/** An error's message, or its inner errors' when it has none (connecting to `localhost` tries ::1 and 127.0.0.1). */
export function describeCause(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map(describeCause).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
