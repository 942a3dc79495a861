import { redactDsn } from '../dsn.js';
import { RouteperfError } from '../errors.js';

/** A transport DSN parsed as a URL, or a configuration error that says what is wrong with it. */
export function parseDsn(dsn: string, key = 'transport'): URL {
  try {
    return new URL(dsn);
  } catch {
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_INVALID',
      `${key}: expected a transport DSN such as redis://127.0.0.1:6379/routeperf, got ${JSON.stringify(redactDsn(dsn))}`,
    );
  }
}

/** A whole-number query parameter of a DSN (`?batchSize=500`), with its default. */
export function dsnInteger(dsn: URL, name: string, fallback: number, min = 1): number {
  const raw = dsn.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_INVALID',
      `transport ${dsn.protocol}// ${name}: expected a whole number of at least ${min}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** A string query parameter of a DSN, with its default. */
export function dsnString(dsn: URL, name: string, fallback: string): string {
  return dsn.searchParams.get(name) || fallback;
}

/** The DSN as it may appear in logs: password hidden. */
export function describeDsn(dsn: URL): string {
  return redactDsn(dsn.href);
}
