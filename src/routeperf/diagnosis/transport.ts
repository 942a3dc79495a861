import { parseDsn } from '../../bus/dsn.js';
import type { ResolvedConfig } from '../../config/types.js';
import { redactDsn } from '../../dsn.js';
import { openConfiguredTransport, transportCause } from '../transports.js';
import type { Diagnosis, Problem } from './types.js';
import { within } from './within.js';

/** Whether the transport a separate worker reads answers, and how many messages wait on it. */
export async function checkTransport(
  dsn: string,
  config: ResolvedConfig,
  database: Diagnosis['database'],
  problems: Problem[],
): Promise<NonNullable<Diagnosis['transport']>> {
  const shown = redactDsn(dsn);
  // Said once, as the database's problem, rather than a second time as the transport's.
  if (parseDsn(dsn).protocol === 'database:' && !database.reachable)
    return { dsn: shown, reachable: false, error: 'its queue is in the database, which is unreachable' };
  try {
    return { dsn: shown, reachable: true, ...(await queueStats(dsn, config, shown)) };
  } catch (error) {
    problems.push({
      code: 'transport-unreachable',
      message: `Cannot use the transport ${shown}: ${transportCause(dsn, error)}`,
      fix: 'start the broker or fix "transport", then run: npx routeperf diagnose',
    });
    return { dsn: shown, reachable: false, error: transportCause(dsn, error) };
  }
}

async function queueStats(dsn: string, config: ResolvedConfig, shown: string) {
  const transport = await within(openConfiguredTransport(dsn, config), shown);
  try {
    return await within(transport.stats(), shown);
  } finally {
    await transport.close().catch(() => {});
  }
}
