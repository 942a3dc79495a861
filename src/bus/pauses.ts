/**
 * Waits that can be ended early, all at once: a worker asked to stop must not sit out a backoff of up to
 * 30 s first, and a queue's poll sleep ends when a message is sent.
 */
export class Pauses {
  readonly #pending = new Set<() => void>();

  /** Resolves after `ms`, or earlier when cut short. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.#pending.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.#pending.add(end);
    });
  }

  /** Ends every pending wait now. */
  cutShort(): void {
    for (const end of [...this.#pending]) end();
  }
}
