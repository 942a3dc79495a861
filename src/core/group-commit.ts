import type { RequestMetrics } from '../record/metrics.js';

/** How one request's metrics fared. */
export type WriteOutcome = { stored: true } | { stored: false; error: unknown };

/** Largest batch one transaction takes; more waiting requests go into the next one. */
const MAX_GROUP = 1000;

/**
 * Group commit for synchronous recording: every request still waits for a commit that contains its own
 * metrics, but requests that finish while a transaction is in flight share the next one. Under load a
 * transaction then carries tens of requests instead of one, for the price of one commit.
 *
 * When a group fails because of what it holds (not an outage: see ErrorCause), its requests are written
 * again one by one, so that one bad request loses only itself.
 */
export class GroupCommit {
  #waiting: { metrics: RequestMetrics; settle: (outcome: WriteOutcome) => void }[] = [];
  #writing = false;

  constructor(
    private readonly write: (batch: RequestMetrics[]) => Promise<unknown>,
    private readonly isOutage: (error: unknown) => boolean,
  ) {}

  /** Resolves once the metrics are committed or have failed; never rejects. */
  submit(metrics: RequestMetrics): Promise<WriteOutcome> {
    return new Promise((settle) => {
      this.#waiting.push({ metrics, settle });
      if (this.#writing) return;
      this.#writing = true;
      // Start on the next turn of the event loop: the responses ending in this turn join the group. With
      // an in-process database (SQLite) a write never yields to I/O, so nothing could join it otherwise.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain() {
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, MAX_GROUP);
      const outcomes = await this.#writeGroup(group.map((entry) => entry.metrics));
      for (const [i, entry] of group.entries()) entry.settle(outcomes[i]!);
    }
    this.#writing = false;
  }

  async #writeGroup(batch: RequestMetrics[]): Promise<WriteOutcome[]> {
    const outcome = await this.#attempt(batch);
    if (outcome.stored || batch.length === 1 || this.isOutage(outcome.error)) return batch.map(() => outcome);
    const outcomes: WriteOutcome[] = [];
    for (const metrics of batch) outcomes.push(await this.#attempt([metrics]));
    return outcomes;
  }

  #attempt(batch: RequestMetrics[]): Promise<WriteOutcome> {
    return this.write(batch).then(
      () => ({ stored: true }) as const,
      (error: unknown) => ({ stored: false, error }) as const,
    );
  }
}
