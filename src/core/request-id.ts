import { randomBytes } from 'node:crypto';

const SANE_TOKEN = /^[A-Za-z0-9._:@+=/-]{8,128}$/;

/** The client's request id header when it is a sane token (8 to 128 safe characters), else undefined. */
export function correlationIdFrom(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && SANE_TOKEN.test(header) ? header : undefined;
}

/** 2^26 ids per millisecond before the clock part is moved on: far more than any process makes. */
const COUNTER_LIMIT = 0x400_0000;

/**
 * Message ids in the shape of a UUIDv7 (RFC 9562): 48 bits of milliseconds, a 26-bit counter (the
 * 12 bits after the version and the 14 after the variant) and 48 random bits drawn once per process.
 * Ids sort by time; within a process they never repeat, as the clock part never goes back and the counter
 * orders the ids of one millisecond; across processes and restarts the random part tells them apart.
 */
class MessageIds {
  readonly #processPart = randomBytes(6).toString('hex');
  #ms = 0;
  #counter = 0;
  /** The id's first 14 characters, the clock part, formatted once per millisecond. */
  #timePart = '';

  next(): string {
    const now = Date.now();
    if (now > this.#ms) this.#advanceTo(now);
    else if (++this.#counter === COUNTER_LIMIT) this.#advanceTo(this.#ms + 1);
    const counter = this.#counter;
    return `${this.#timePart}7${HEX3[counter >>> 14]}-${VARIANT_HEX4[counter & 0x3fff]}-${this.#processPart}`;
  }

  #advanceTo(ms: number) {
    this.#ms = ms;
    this.#counter = 0;
    const time = ms.toString(16).padStart(12, '0');
    this.#timePart = `${time.slice(0, 8)}-${time.slice(8)}-`;
  }
}

/** Hex digits of the counter's two parts, looked up rather than formatted for every id. */
const HEX3 = Array.from({ length: 0x1000 }, (_, n) => n.toString(16).padStart(3, '0'));
const VARIANT_HEX4 = Array.from({ length: 0x4000 }, (_, n) => (0x8000 | n).toString(16));

const ids = new MessageIds();

/** A new message id: unique, time-ordered, made by routeperf for each request it records. */
export function newMessageId(): string {
  return ids.next();
}

/**
 * A uniform number in [0, 1) derived from a message id (FNV-1a, then a finalising mix so that ids
 * differing in one counter digit land far apart). Sampling on it keeps the decision with routeperf: the
 * id is made here, never taken from the client.
 */
export function sampleKey(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return (hash >>> 0) / 0x1_0000_0000;
}
