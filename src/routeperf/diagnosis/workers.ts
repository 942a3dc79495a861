import { hostname } from 'node:os';
import { ALIVE_WITHIN_MS } from '../../bus/worker/heartbeat.js';
import { redactDsn } from '../../dsn.js';
import type { Store } from '../../store/store.js';
import { formatCount } from '../count-text.js';
import type { Diagnosis, Problem } from './types.js';
import { within } from './within.js';

/** How far back `diagnose` looks for the last worker seen when none is alive. */
const LAST_SEEN_WITHIN_MS = 7 * 24 * 3_600_000;

/**
 * The workers alive, else the last one seen; null when the workers table cannot be read. The workers of
 * this process are left out when they are the diagnosis's own (`Recording.ownWorkerInThisProcess`).
 */
export async function listWorkers(
  store: Store,
  ownWorkerInThisProcess: boolean,
): Promise<Diagnosis['workers']> {
  const now = Date.now();
  const registry = await store.workers();
  const recent = await within(registry.list(now - LAST_SEEN_WITHIN_MS), 'the workers table').catch(
    () => null,
  );
  if (recent === null) return null;
  // On memory:// createRouteperf runs a worker inside it: the one the CLI's diagnose just started is not news.
  const others = ownWorkerInThisProcess
    ? recent.filter((worker) => worker.pid !== process.pid || worker.host !== hostname())
    : recent;
  const alive = others.filter(
    (worker) => worker.stoppedAt === null && worker.heartbeatAt.getTime() >= now - ALIVE_WITHIN_MS,
  );
  return {
    aliveWithinSeconds: ALIVE_WITHIN_MS / 1000,
    alive,
    lastSeen: alive.length ? null : (others[0] ?? null),
  };
}

/**
 * Messages on a durable transport wait until a worker stores them. Workers that cannot be read (no tables)
 * count as none.
 */
export function checkWorkerAlive(
  dsn: string,
  transport: Diagnosis['transport'],
  workers: Diagnosis['workers'],
  problems: Problem[],
): void {
  if (workers?.alive.length) return;
  const details = [
    transport?.pending === undefined ? undefined : `${formatCount(transport.pending)} waiting`,
    workers?.lastSeen
      ? `last heartbeat ${workers.lastSeen.heartbeatAt.toISOString()} from ${workers.lastSeen.host} pid ${workers.lastSeen.pid}`
      : undefined,
  ].filter(Boolean);
  problems.push({
    code: 'no-worker-alive',
    message: `No worker is alive to store the messages of ${redactDsn(dsn)}${details.length ? ` (${details.join('; ')})` : ''}; in production keep workers running under systemd or supervisord`,
    fix: 'run: npx routeperf consume',
  });
}
