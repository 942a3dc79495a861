import { hostname } from 'node:os';
import type { Transport } from '../bus/transport.js';
import { openTransport } from '../bus/transports/index.js';
import type { ResolvedConfig } from '../config/types.js';
import { redactDsn, redactSecretsIn } from '../dsn.js';
import { describeCause } from '../errors.js';

/**
 * Opens a transport for this process to read or consume (workers, `failed retry`, `diagnose`), with
 * background errors going to the configured logger.
 */
export function openConfiguredTransport(dsn: string, config: ResolvedConfig): Promise<Transport> {
  return openTransport(dsn, {
    database: config.database,
    tablePrefix: config.tablePrefix,
    consumerName: `${hostname()}-${process.pid}`,
    onBackgroundError: (error) =>
      config.logger.error(`routeperf transport ${redactDsn(dsn)}: ${transportCause(dsn, error)}`),
  });
}

/** What went wrong with the transport of `dsn`, without its secrets should the client library echo them. */
export function transportCause(dsn: string, error: unknown): string {
  return redactSecretsIn(describeCause(error), [dsn]);
}
