import type { Logger } from '../logger.js';
import type { AlertEvaluator } from './evaluator.js';

/** The lease every evaluator asks for: one among the workers judges the rules at a time. */
export const ALERTS_LEASE = 'alerts';

export interface AlertLoopParts {
  /** Opens the evaluator, at the first evaluation: the store may be out of reach when the worker starts. */
  open: () => Promise<AlertEvaluator>;
  /** Milliseconds between two evaluations. */
  interval: number;
  /** Who asks for the lease: the worker process. */
  holder: string;
  logger: Logger;
}

/**
 * Evaluates the rules every `interval` while this process holds the alerts lease. The lease lasts three
 * intervals, renewed at each one: when its holder stops or dies, another worker takes over within three
 * intervals. A failed evaluation (store unreachable) is logged and tried again at the next interval; it
 * never stops the worker.
 */
export class AlertLoop {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #evaluator: AlertEvaluator | undefined;
  #stopped = false;

  constructor(private readonly parts: AlertLoopParts) {}

  start(): void {
    this.#schedule(0);
  }

  /** Stops after the evaluation in flight, gives the lease up and closes the channels. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    if (!this.#evaluator) return;
    await this.#evaluator.states.releaseLease(ALERTS_LEASE, this.parts.holder).catch(() => {});
    await this.#evaluator.close();
  }

  #schedule(delay: number) {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => this.#schedule(this.parts.interval));
    }, delay);
    // The workers keep the process running; a pending evaluation alone should not.
    this.#timer.unref();
  }

  async #tick() {
    const { open, interval, holder, logger } = this.parts;
    try {
      this.#evaluator ??= await open();
      const evaluator = this.#evaluator;
      if (!(await evaluator.states.holdLease(ALERTS_LEASE, holder, 3 * interval))) return;
      const report = await evaluator.evaluate();
      const failed = report.messages.flatMap((m) => m.outcomes).filter((o) => o.outcome === 'failed');
      if (report.messages.length)
        logger.info(
          `routeperf alerts: ${report.messages.length} messages, ${failed.length} channel failures`,
        );
    } catch (error) {
      logger.warn(
        `routeperf alerts: evaluation failed, tried again in ${interval / 1000} s: ${(error as Error).message}`,
      );
    }
  }
}
