/**
 * What a `receive` with nothing to claim sleeps on: a timer (the poll interval) that a wake-up cuts short.
 * Wake-ups are counted, so a caller that read the count before its claim does not sleep through one that
 * came while it was claiming.
 */
export class Wakeup {
  #count = 0;
  readonly #sleepers = new Set<() => void>();

  get count(): number {
    return this.#count;
  }

  wake(): void {
    this.#count += 1;
    for (const resolve of this.#sleepers) resolve();
    this.#sleepers.clear();
  }

  /** Resolves after `ms`, or at the first wake-up after the count was `seen`. */
  sleep(ms: number, seen: number): Promise<void> {
    if (this.#count !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }
}
