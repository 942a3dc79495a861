/** Where routeperf writes what it has to say: `console` fits, and so do pino and winston loggers. */
export interface Logger {
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

/** Logs an error of a kind (`store`, `overflow`, …), with what caused it. */
export type ErrorLog = (kind: string, message: string, error?: unknown) => void;

/**
 * Logs an error at most once per `intervalMs` per kind, then says how many were held back, so that a
 * database outage under load gives a few lines, not one per request.
 */
export function rateLimitedErrorLog(logger: Logger, intervalMs = 10_000): ErrorLog {
  const state = new Map<string, { lastAt: number; suppressed: number }>();
  return (kind: string, message: string, error?: unknown) => {
    const now = Date.now();
    const entry = state.get(kind);
    if (entry && now - entry.lastAt < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const held = entry?.suppressed
      ? ` (${entry.suppressed} more like it in the last ${intervalMs / 1000}s)`
      : '';
    state.set(kind, { lastAt: now, suppressed: 0 });
    const reason =
      error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
    try {
      logger.error(`${message}${reason}${held}`);
    } catch {
      // A broken logger must not break the request that is being recorded.
    }
  };
}
