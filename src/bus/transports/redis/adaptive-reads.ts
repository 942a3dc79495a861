/**
 * How much receive() reads. Redis counts entries, receive() is asked for messages, and an entry carries
 * from one message to `pack`: the entries to read are estimated from the entries read before.
 */
import type { HeldTotals } from './held-entries.js';

/** Reads a receive() adds to one source (own pending, abandoned, new) while they come back full but short. */
export const MAX_TOP_UP_READS = 3;
/** Longest pause between two scans for abandoned entries, once a scan has found none left. */
export const MAX_CLAIM_INTERVAL_MS = 1000;

/**
 * Reads up to `count` entries of one source and holds what it should; says whether the source may have
 * more. `first` is true for the first read of a fill, the only one that may wait.
 */
export type ReadPage = (count: number, first: boolean) => Promise<boolean>;

/** Sizes the reads of receive() from the entries held so far. */
export class AdaptiveReads {
  readonly #held: HeldTotals;
  /**
   * Messages per entry expected in the next read, to size its COUNT: `pack` at first, then learnt from the
   * reads (#learnSince). Too high costs a read more (a top-up); too low fetches more than asked, kept in
   * the carry-over.
   */
  #perEntry: number;

  constructor(pack: number, held: HeldTotals) {
    this.#perEntry = pack;
    this.#held = held;
  }

  /**
   * Reads pages from one source for about `wanted` messages. After the first, pages are read only while
   * they come back full and short of `wanted` (entries smaller than expected), sized from the entries just
   * read, at most MAX_TOP_UP_READS more. True when some were held.
   */
  async fill(wanted: number, page: ReadPage): Promise<boolean> {
    const entriesBefore = this.#held.entries;
    const messagesBefore = this.#held.messages;
    let count = Math.max(1, Math.ceil(wanted / this.#perEntry));
    for (let topUps = 0; ; topUps++) {
      const more = await page(count, topUps === 0);
      const messages = this.#held.messages - messagesBefore;
      if (!more || messages === 0 || messages >= wanted || topUps === MAX_TOP_UP_READS) break;
      count = topUp(wanted, messages, this.#held.entries - entriesBefore);
    }
    return this.#learnSince(entriesBefore, messagesBefore);
  }

  /**
   * Learns from the entries held since the totals were `entries` and `messages`: the estimate rises at
   * once to a larger average (reading too many entries would fetch up to `pack` times what was asked),
   * and comes down halfway to a smaller one. True when some were held.
   */
  #learnSince(entries: number, messages: number): boolean {
    const read = this.#held.entries - entries;
    if (read === 0) return false;
    const perEntry = (this.#held.messages - messages) / read;
    this.#perEntry = perEntry >= this.#perEntry ? perEntry : (this.#perEntry + perEntry) / 2;
    return true;
  }
}

/**
 * The entries to read next, when a read came back full with `messages` of the `wanted` in `entries`:
 * sized from the entries just read, which tell more about the ones behind them than the estimate.
 */
function topUp(wanted: number, messages: number, entries: number): number {
  return Math.ceil(((wanted - messages) * entries) / messages);
}

/**
 * When to scan the group's pending list for abandoned entries (XAUTOCLAIM), and where the scan goes on:
 * page by page across receive() calls. Once a scan has reached the end with nothing more to take, the next
 * waits for the redelivery timeout or MAX_CLAIM_INTERVAL_MS, whichever is shorter, rather than costing
 * every receive() a command that finds nothing.
 */
export class ClaimSchedule {
  #cursor = '0-0';
  #nextScanAt = 0;
  readonly #interval: number;

  constructor(redeliveryTimeout: number) {
    this.#interval = Math.min(redeliveryTimeout, MAX_CLAIM_INTERVAL_MS);
  }

  /** The XAUTOCLAIM cursor the next page starts from; `0-0` is the start of the pending list. */
  get cursor(): string {
    return this.#cursor;
  }

  /** A page may be scanned now. */
  get due(): boolean {
    return Date.now() >= this.#nextScanAt;
  }

  /**
   * Records a page of `found` entries, asked for `count`, and the cursor XAUTOCLAIM returned; pauses the
   * scans when the list has been scanned to the end. True when the list may hold more.
   */
  scanned(cursor: string, found: number, count: number): boolean {
    this.#cursor = cursor;
    const atEnd = cursor === '0-0';
    if (atEnd && found < count) this.#nextScanAt = Date.now() + this.#interval;
    return found === count && !atEnd;
  }

  /** Entries were just released for a claim: scan again at once, from the start, so that they are taken. */
  restart(): void {
    this.#cursor = '0-0';
    this.#nextScanAt = 0;
  }
}
