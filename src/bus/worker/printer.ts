import type { TransportStats } from '../transport.js';
import type { BatchTally, Clock, WorkerProgress } from './state.js';

/** Seconds between two -v lines. */
const INTERVAL_MS = 10_000;

export interface PrinterParts {
  print: (line: string) => void;
  verbosity: 0 | 1 | 2;
  progress: WorkerProgress;
  /** The transport's stats, for the lag; failing stats print as NaN rather than stop the worker. */
  stats: () => Promise<TransportStats>;
  /** When the first interval starts (ms epoch). */
  startedAt: number;
  clock?: Clock;
}

/** The worker's progress lines: one per 10 s interval at verbosity 1 (-v), one per batch at 2 (-vv). */
export class Printer {
  #interval: { at: number; handled: number; batches: number };

  constructor(private readonly parts: PrinterParts) {
    this.#interval = { at: parts.startedAt, handled: 0, batches: 0 };
  }

  /** The -vv line of a finished batch of `received` messages that took `ms`. */
  batch(received: number, tally: BatchTally, ms: number): void {
    if (this.parts.verbosity < 2) return;
    const { duplicates, handled, failed } = tally;
    this.parts.print(
      `batch: received ${received}, stored ${handled - duplicates} (${duplicates} duplicates) in ${ms.toFixed(1)} ms, failed ${failed}, acknowledged ${handled + failed}`,
    );
  }

  /** The -v line, once an interval has passed since the last one. */
  async intervalIfDue(): Promise<void> {
    const { print, verbosity, progress, stats, clock = Date.now } = this.parts;
    if (verbosity < 1) return;
    const now = clock();
    if (now - this.#interval.at < INTERVAL_MS) return;
    const seconds = (now - this.#interval.at) / 1000;
    const { pending } = await stats().catch(() => ({ pending: Number.NaN }));
    print(
      `${((progress.handled - this.#interval.handled) / seconds).toFixed(0)} messages/s, ${progress.batches - this.#interval.batches} batches, lag ${pending} messages, ${progress.failed} failed`,
    );
    this.#interval = { at: now, handled: progress.handled, batches: progress.batches };
  }
}
