import type { Logger } from '../../src/config/types.js';

/** A logger that keeps every line, by level, for tests to inspect. */
export function capturingLogger() {
  const lines: Record<keyof Logger, string[]> = { info: [], warn: [], error: [] };
  const logger: Logger = {
    info: (message) => lines.info.push(message),
    warn: (message) => lines.warn.push(message),
    error: (message) => lines.error.push(message),
  };
  return { logger, lines };
}
