/** Milliseconds since the epoch; parts take it as a parameter so that tests can set the time. */
export type Clock = () => number;

export type StopReason =
  | 'stopped'
  | 'limit'
  | 'time-limit'
  | 'memory-limit'
  | 'failure-limit'
  | 'stop-workers'
  | 'error';

/**
 * What the worker has done so far. Parts add to it the moment a message is stored or failed, not at the
 * end of a batch, so that limits, heartbeats and `counts()` see it while batches overlap.
 */
export interface WorkerProgress {
  handled: number;
  failed: number;
  batches: number;
  duplicates: number;
  /** When the last batch was finished (ms epoch), for heartbeats. */
  lastBatchAt: number | null;
}

export function newProgress(): WorkerProgress {
  return { handled: 0, failed: 0, batches: 0, duplicates: 0, lastBatchAt: null };
}

/** What one batch did, for its -vv line (batches overlap, so the worker's totals cannot tell). */
export interface BatchTally {
  handled: number;
  failed: number;
  duplicates: number;
}

/**
 * Why the worker is stopping, once something asked it to. The first reason stays: a worker stopped by a
 * signal that then reaches its time limit while finishing its batch still says it was stopped.
 */
export class StopState {
  #reason: StopReason | undefined;

  get reason(): StopReason | undefined {
    return this.#reason;
  }

  request(reason: StopReason | undefined): void {
    this.#reason ??= reason;
  }
}
