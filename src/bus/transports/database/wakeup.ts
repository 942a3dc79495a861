import { Pauses } from '../../pauses.js';

/**
 * What a `receive` with nothing to claim sleeps on: a timer (the poll interval) that a wake-up cuts short.
 * Wake-ups are counted, so a caller that read the count before its claim does not sleep through one that
 * came while it was claiming.
 */
export class Wakeup {
  #count = 0;
  readonly #sleeps = new Pauses();

  get count(): number {
    return this.#count;
  }

  wake(): void {
    this.#count += 1;
    this.#sleeps.cutShort();
  }

  /** Resolves after `ms`, or at the first wake-up after the count was `seen`. */
  sleep(ms: number, seen: number): Promise<void> {
    if (this.#count !== seen) return Promise.resolve();
    return this.#sleeps.wait(ms);
  }
}
