import type { Kysely } from 'kysely';
import { redactDsn } from '../dsn.js';
import type { WorkerHeartbeat, WorkerPresence } from './sink.js';
import type { Database } from './tables.js';

export interface WorkerStatus extends Omit<WorkerHeartbeat, 'startedAt' | 'lastBatchAt'> {
  startedAt: Date;
  heartbeatAt: Date;
  lastBatchAt: Date | null;
  stoppedAt: Date | null;
}

const STOP_WORKERS = 'stop_workers_at';

/**
 * Workers' heartbeats and the shared stop signal, in the store's database so that `diagnose` and
 * `stop-workers` work from any machine that reaches it.
 */
export class WorkerRegistry implements WorkerPresence {
  constructor(private readonly db: Kysely<Database>) {}

  async beat(worker: WorkerHeartbeat): Promise<void> {
    const now = Date.now();
    const values = {
      host: worker.host.slice(0, 255),
      pid: worker.pid,
      transport: redactDsn(worker.transport).slice(0, 512),
      heartbeat_at: now,
      last_batch_at: worker.lastBatchAt,
      handled: worker.handled,
      failed: worker.failed,
    };
    const updated = await this.db
      .updateTable('workers')
      .set(values)
      .where('id', '=', worker.id)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    await this.db
      .insertInto('workers')
      .values({ id: worker.id, started_at: worker.startedAt, stopped_at: null, ...values })
      .execute();
  }

  async stopped(id: string): Promise<void> {
    await this.db.updateTable('workers').set({ stopped_at: Date.now() }).where('id', '=', id).execute();
  }

  /** Workers seen since `since` (ms epoch), most recent heartbeat first. */
  async list(since = 0): Promise<WorkerStatus[]> {
    const rows = await this.db
      .selectFrom('workers')
      .selectAll()
      .where('heartbeat_at', '>=', since)
      .orderBy('heartbeat_at', 'desc')
      .execute();
    const date = (value: unknown) => (value === null ? null : new Date(Number(value)));
    return rows.map((row) => ({
      id: row.id,
      host: row.host,
      pid: Number(row.pid),
      // A row written by an older routeperf may still hold a password.
      transport: redactDsn(row.transport),
      handled: Number(row.handled),
      failed: Number(row.failed),
      startedAt: new Date(Number(row.started_at)),
      heartbeatAt: new Date(Number(row.heartbeat_at)),
      lastBatchAt: date(row.last_batch_at),
      stoppedAt: date(row.stopped_at),
    }));
  }

  /** Asks every worker started before now to exit after its current batch (Messenger's stop-workers). */
  async requestStop(at = Date.now()): Promise<void> {
    const updated = await this.db
      .updateTable('control')
      .set({ value: at })
      .where('name', '=', STOP_WORKERS)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    await this.db.insertInto('control').values({ name: STOP_WORKERS, value: at }).execute();
  }

  /** When stop-workers last ran (ms epoch), or 0. */
  async stopRequestedAt(): Promise<number> {
    const row = await this.db
      .selectFrom('control')
      .select('value')
      .where('name', '=', STOP_WORKERS)
      .executeTakeFirst();
    return Number(row?.value ?? 0);
  }
}
