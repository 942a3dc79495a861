/** Shortest time between two lines about the same outage after its first one. */
const REPORT_INTERVAL_MS = 30_000;

/**
 * The log of one dependency's outage (the store, a transport) as a worker waits it out: the first failed
 * attempt, then at most one line per 30 s saying how many attempts failed and when the next one is, and
 * a line once it is reachable again. A retry every second must not become a log line every second.
 */
export class OutageReport {
  #attempts = 0;
  #since = 0;
  #reportedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly what: string,
    private readonly log: (line: string) => void,
  ) {}

  /** How many attempts have failed since it was last reachable. */
  get attempts(): number {
    return this.#attempts;
  }

  /** One more attempt failed with `error`; the next is in `retryInMs`. `note` says what is kept meanwhile. */
  failed(error: unknown, retryInMs: number, note = ''): void {
    const now = Date.now();
    if (this.#attempts === 0) this.#since = now;
    this.#attempts += 1;
    if (now - this.#reportedAt < REPORT_INTERVAL_MS) return;
    this.#reportedAt = now;
    const down =
      this.#attempts === 1 ? '' : `, ${this.#attempts} attempts in ${seconds(now - this.#since)} s`;
    this.log(
      `${this.what} is unavailable${down}, retrying in ${seconds(retryInMs)} s${note}: ${(error as Error)?.message || String(error)}`,
    );
  }

  /** An attempt succeeded. */
  recovered(): void {
    if (this.#attempts === 0) return;
    this.log(`${this.what} is reachable again after ${plural(this.#attempts)}; going on`);
    this.#attempts = 0;
    this.#reportedAt = Number.NEGATIVE_INFINITY;
  }
}

function plural(attempts: number): string {
  return attempts === 1 ? '1 failed attempt' : `${attempts} failed attempts`;
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}
