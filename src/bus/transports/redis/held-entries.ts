import type { ReceivedMessage } from '../../transport.js';

/**
 * A stream entry received and not settled yet; the handle of each of its messages. It is settled once
 * every one of its messages was acknowledged or released (those still carried over are neither).
 */
export class HeldEntry {
  readonly id: string;
  /** Messages neither acknowledged nor released yet. */
  open: number;
  /** Messages released: a settled entry with any is delivered again whole, never acknowledged. */
  released = 0;

  constructor(id: string, messages: number) {
    this.id = id;
    this.open = messages;
  }
}

/** A message as receive() hands it out. */
export class EntryMessage implements ReceivedMessage {
  readonly body: string;
  readonly handle: HeldEntry;
  readonly redeliveries: number;
  /** Acknowledged or released: a second call does not count it against its entry again. */
  settled = false;

  constructor(body: string, handle: HeldEntry, redeliveries: number) {
    this.body = body;
    this.handle = handle;
    this.redeliveries = redeliveries;
  }
}

/** Entries and messages held since the start: how much a read held is the growth of these. */
export interface HeldTotals {
  readonly entries: number;
  readonly messages: number;
}

/**
 * The entries received and not settled yet ("in hand"), and the carry-over: the messages of those entries
 * not handed out yet, which the next receive() hands out first. Redis delivers, acknowledges and
 * redelivers whole entries; receive() hands out their messages one by one.
 */
export class HeldEntries {
  /** Ids of the entries received and not settled yet. */
  readonly #inHand = new Set<string>();
  /** Messages of entries held and not handed out yet, from `#carryFrom` on. */
  #carry: EntryMessage[] = [];
  #carryFrom = 0;
  readonly #totals = { entries: 0, messages: 0 };

  get totals(): HeldTotals {
    return this.#totals;
  }

  /** Messages in the carry-over. */
  get carried(): number {
    return this.#carry.length - this.#carryFrom;
  }

  /** The entry is in hand: received and not settled yet. */
  has(id: string): boolean {
    return this.#inHand.has(id);
  }

  /** Puts the messages of an entry in the carry-over and the entry in hand. */
  hold(id: string, bodies: readonly string[], redeliveries: number): void {
    const entry = new HeldEntry(id, bodies.length);
    for (const body of bodies) this.#carry.push(new EntryMessage(body, entry, redeliveries));
    this.#inHand.add(id);
    this.#totals.entries += 1;
    this.#totals.messages += bodies.length;
  }

  /** The first `max` messages of the carry-over, taken out of it. */
  handOut(max: number): EntryMessage[] {
    const carry = this.#carry;
    const from = this.#carryFrom;
    if (carry.length - from > max) {
      this.#carryFrom = from + max;
      return carry.slice(from, from + max);
    }
    this.#carry = [];
    this.#carryFrom = 0;
    return from === 0 ? carry : carry.slice(from);
  }

  /**
   * Counts the messages, acknowledged or released, against their entries; the entries they settle. A
   * message counts once, however often it is passed. The messages are those handed out by handOut().
   */
  settle(messages: readonly ReceivedMessage[], releasing: boolean): Settlement {
    return new Settlement(messages as readonly EntryMessage[], this.#inHand, releasing);
  }
}

/**
 * The entries a call to ack() or release() settles: acknowledged (all their messages acknowledged) or
 * released (any released). They stay in hand until Redis has done it (confirm); when Redis fails, undo()
 * takes the count back so that the call can be made again.
 */
export class Settlement {
  /** Ids of the entries settled with every message acknowledged: to acknowledge and delete. */
  readonly acknowledged: string[] = [];
  /** Ids of the entries settled with a message released: to make available again, whole. */
  readonly released: string[] = [];
  readonly #counted: EntryMessage[] = [];
  readonly #inHand: Set<string>;
  readonly #releasing: boolean;

  constructor(messages: readonly EntryMessage[], inHand: Set<string>, releasing: boolean) {
    this.#inHand = inHand;
    this.#releasing = releasing;
    for (const message of messages) this.#count(message);
  }

  /** Nothing for Redis to do: no entry settled. */
  get isEmpty(): boolean {
    return this.acknowledged.length === 0 && this.released.length === 0;
  }

  #count(message: EntryMessage): void {
    if (message.settled) return;
    message.settled = true;
    this.#counted.push(message);
    const entry = message.handle;
    if (this.#releasing) entry.released += 1;
    entry.open -= 1;
    if (entry.open === 0) (entry.released > 0 ? this.released : this.acknowledged).push(entry.id);
  }

  /** Redis has acknowledged or released the settled entries: they leave the hand. */
  confirm(): void {
    for (const id of this.acknowledged) this.#inHand.delete(id);
    for (const id of this.released) this.#inHand.delete(id);
  }

  /** Redis failed: the messages count as neither acknowledged nor released. */
  undo(): void {
    for (const message of this.#counted) {
      message.settled = false;
      message.handle.open += 1;
      if (this.#releasing) message.handle.released -= 1;
    }
  }
}
