interface Waiter {
  max: number;
  /** True once the timer watches for a quiet moment rather than for the deadline alone. */
  watchingQuiet: boolean;
  check(): void;
  wake(): void;
}

/**
 * Deliveries pushed by the broker, one at a time, taken by the worker in batches. RabbitMQ pushes as many
 * deliveries as the prefetch allows, so a batch is complete when `max` are here; when fewer are coming,
 * a short quiet moment after the last one says the queue is drained, and waiting on until the deadline
 * would only delay storing what arrived.
 */
export class BatchBuffer<T> {
  #items: T[] = [];
  #lastPushAt = 0;
  readonly #waiters = new Set<Waiter>();

  /** @param quietMs how long without a new item ends a partial batch. */
  constructor(private readonly quietMs: number) {}

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#lastPushAt = Date.now();
    for (const waiter of this.#waiters) {
      if (this.#items.length >= waiter.max) waiter.wake();
      else if (!waiter.watchingQuiet) waiter.check();
    }
  }

  /** Up to `max` items, oldest first. */
  take(max: number): T[] {
    return this.#items.splice(0, max);
  }

  /** Drops every item and ends every wait: the deliveries went back to the queue with their channel. */
  clear(): void {
    this.#items = [];
    for (const waiter of this.#waiters) waiter.wake();
  }

  /**
   * Resolves once `max` items are here, or some are here and none came for `quietMs`, or `waitMs` passed.
   * Timers are armed per quiet period, not per item, so a burst of deliveries costs no timer each.
   */
  fill(max: number, waitMs: number): Promise<void> {
    if (this.#items.length >= max || waitMs <= 0) return Promise.resolve();
    const deadline = Date.now() + waitMs;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        max,
        watchingQuiet: false,
        check: () => {
          clearTimeout(timer);
          const now = Date.now();
          const quietAt = this.#items.length > 0 ? this.#lastPushAt + this.quietMs : Number.POSITIVE_INFINITY;
          if (now >= deadline || now >= quietAt) return waiter.wake();
          waiter.watchingQuiet = this.#items.length > 0;
          timer = setTimeout(waiter.check, Math.min(quietAt, deadline) - now);
        },
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      this.#waiters.add(waiter);
      waiter.check();
    });
  }
}
