import { isOutageCause } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Sink, WorkerHeartbeat } from '../../store/sink.js';
import type { OutageReport } from './outage-report.js';
import type { Clock, StopState, WorkerProgress } from './state.js';

/** Milliseconds between a worker's heartbeats, unless told otherwise; `diagnose` judges workers by it. */
export const HEARTBEAT_INTERVAL_MS = 5000;
/** A worker whose last heartbeat is older than this is presumed dead (missed three beats). */
export const ALIVE_WITHIN_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** Who the worker is, as `diagnose` lists it. */
export type WorkerIdentity = Pick<WorkerHeartbeat, 'id' | 'host' | 'pid' | 'transport' | 'startedAt'>;

export interface HeartbeatParts {
  sink: Sink;
  identity: WorkerIdentity;
  progress: WorkerProgress;
  stop: StopState;
  /** Milliseconds between two beats. */
  interval: number;
  /** The sink's outage report, shared with the batch handler. */
  sinkOutage: OutageReport;
  logger?: Logger;
  clock?: Clock;
}

/**
 * The worker's presence in the sink: a beat with its counts every `interval`, which is also when it reads
 * the stop-workers signal (a stop asked after the worker started stops it) and starts the sink's upkeep.
 */
export class Heartbeat {
  #nextAt = 0;
  /** Whether a beat has gone through: the sink was usable once. */
  #beaten = false;

  constructor(private readonly parts: HeartbeatParts) {}

  /**
   * Beats when one is due. An outage is reported and waited out like any other; another error before the
   * first beat went through is thrown, since a sink that cannot be used at all (a failed migration, a bug)
   * is better said at once; after that, it is only warned about.
   */
  async beatIfDue(): Promise<void> {
    const { sink, interval, sinkOutage, logger, clock = Date.now } = this.parts;
    const now = clock();
    if (now < this.#nextAt) return;
    this.#nextAt = now + interval;
    try {
      await this.#beat();
    } catch (error) {
      if (isOutageCause(sink.causeOf(error))) sinkOutage.failed(error, interval);
      else if (!this.#beaten) throw error;
      else logger?.warn(`routeperf worker: heartbeat failed: ${(error as Error).message}`);
      return;
    }
    this.#beaten = true;
    sinkOutage.recovered();
    sink.maintain();
  }

  /** Says the worker ended, so that it no longer counts as alive; a sink that cannot be told is left be. */
  async signOff(): Promise<void> {
    await this.parts.sink
      .workers()
      .then((workers) => workers.stopped(this.parts.identity.id))
      .catch(() => {});
  }

  async #beat() {
    const { sink, identity, progress, stop } = this.parts;
    const workers = await sink.workers();
    const { lastBatchAt, handled, failed } = progress;
    await workers.beat({ ...identity, lastBatchAt, handled, failed });
    if ((await workers.stopRequestedAt()) >= identity.startedAt) stop.request('stop-workers');
  }
}
