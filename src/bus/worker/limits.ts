import type { Clock, StopReason, StopState, WorkerProgress } from './state.js';

/** Messenger's --limit, --time-limit, --memory-limit and --failure-limit; each is off when undefined. */
export interface LimitOptions {
  /** Messages handled (stored or failed). */
  limit?: number;
  /** Milliseconds since the worker started. */
  timeLimit?: number;
  /** Bytes of resident memory. */
  memoryLimit?: number;
  /** Messages moved to the failure store. */
  failureLimit?: number;
}

export interface LimitContext {
  progress: WorkerProgress;
  stop: StopState;
  startedAt: number;
  clock?: Clock;
  residentMemory?: () => number;
}

/** The worker's limits: once one is reached, the worker stops after the batches in hand. */
export class Limits {
  constructor(
    private readonly options: LimitOptions,
    private readonly context: LimitContext,
  ) {}

  /** Asks the worker to stop when a limit is reached (the first one, in the order of LimitOptions). */
  check(): void {
    this.context.stop.request(this.#reached());
  }

  /** How many more messages may be received: a batch must not take messages past --limit. */
  receivable(received: number): number {
    return this.options.limit === undefined ? Number.POSITIVE_INFINITY : this.options.limit - received;
  }

  #reached(): StopReason | undefined {
    const { limit, timeLimit, memoryLimit, failureLimit } = this.options;
    const {
      progress,
      startedAt,
      clock = Date.now,
      residentMemory = () => process.memoryUsage.rss(),
    } = this.context;
    if (limit !== undefined && progress.handled + progress.failed >= limit) return 'limit';
    if (timeLimit !== undefined && clock() - startedAt >= timeLimit) return 'time-limit';
    if (memoryLimit !== undefined && residentMemory() > memoryLimit) return 'memory-limit';
    if (failureLimit !== undefined && progress.failed >= failureLimit) return 'failure-limit';
    return undefined;
  }
}
