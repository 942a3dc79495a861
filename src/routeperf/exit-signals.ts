import type { Closable } from './shutdown.js';

const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * In async mode, SIGTERM and SIGINT first send or store what the app still holds. When the app has no
 * handler of its own for the signal, it is raised again afterwards, so the process ends as it would have.
 */
export class ExitSignals implements Closable {
  #close: () => Promise<void> = async () => {};

  /** Runs `close` on the first SIGTERM or SIGINT. */
  closeOn(close: () => Promise<void>): void {
    this.#close = close;
    for (const signal of EXIT_SIGNALS) process.once(signal, this.#closeThenExit);
  }

  /** Stops listening. */
  close(): void {
    for (const signal of EXIT_SIGNALS) process.off(signal, this.#closeThenExit);
  }

  readonly #closeThenExit = (signal: NodeJS.Signals) => {
    // Counted now: an app's own `once` handler is removed as it runs, before close() settles.
    const appHandlesIt = process.listenerCount(signal) > 0;
    void this.#close().finally(() => {
      if (!appHandlesIt) process.kill(process.pid, signal);
    });
  };
}
