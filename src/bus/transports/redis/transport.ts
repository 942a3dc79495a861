import type { ChainableCommander, Redis } from 'ioredis';
import { causeOf, type ErrorCause } from '../../../errors.js';
import type { ReceivedMessage, Transport, TransportStats } from '../../transport.js';
import { type RedisClass, RedisConnections, RedisUnreachableError } from './connection.js';
import type { RedisTransportOptions } from './options.js';
import {
  BODIES_FIELD,
  BODY_FIELD,
  bodiesOf,
  COUNT_FIELD,
  claimedEntries,
  flatRecord,
  hasErrorCode,
  hasNoSuchKey,
  readEntries,
  repliesOf,
  SEPARATOR,
  type StreamEntry,
} from './replies.js';

/** Longest pause between two scans for abandoned entries, once a scan has found none left. */
const MAX_CLAIM_INTERVAL_MS = 1000;
/** Reads a receive() adds to one source (own pending, abandoned, new) while they come back full but short. */
const MAX_TOP_UP_READS = 3;

/**
 * A stream entry received and not settled yet; the handle of each of its messages. It is settled once
 * every one of its messages was acknowledged or released (those still carried over are neither).
 */
class HeldEntry {
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
class EntryMessage implements ReceivedMessage {
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

/**
 * Redis Streams with a consumer group: producers XADD, workers XREADGROUP, acknowledge with XACK and
 * delete the entry (the stream only holds work not yet done), and take over with XAUTOCLAIM the entries
 * another consumer received and left unacknowledged past the redelivery timeout — a crashed worker's.
 *
 * An entry carries up to `pack` messages sent together (see send()): one XADD for many requests on the
 * app's side, one reply entry and one id to acknowledge for many messages on the worker's. Everything
 * Redis does — delivery, pending lists, redelivery, MAXLEN, XLEN — is per entry; receive() hands out
 * messages one by one, and an entry is acknowledged once all of its messages are (see #settle).
 *
 * Receiving, in order: messages of entries read before and not handed out yet (the carry-over), this
 * consumer's own pending entries from before (see #readOwnPending), entries abandoned by others, then new
 * entries. Entries received and not yet settled are "in hand" (the worker stores one batch while it
 * receives the next, the carry-over waits for the next receive): never delivered again by this transport.
 * Failures to reach Redis reject with a RedisUnreachableError. Requires Redis 6.2 or later (XAUTOCLAIM).
 */
export class RedisStreamsTransport implements Transport {
  readonly description: string;
  readonly durable = true;

  causeOf(error: unknown): ErrorCause {
    return causeOf(error, (cause) => (cause instanceof RedisUnreachableError ? 'unreachable' : undefined));
  }
  readonly #options: RedisTransportOptions;
  readonly #redis: RedisConnections;
  readonly #commands: Redis;
  readonly #claimInterval: number;
  /** Where the re-read of this consumer's own pending list goes on; undefined once it is done. */
  #ownPendingFrom: string | undefined = '0';
  #claimCursor = '0-0';
  #nextClaimAt = 0;
  /** Ids of the entries received and not settled yet. */
  readonly #inHand = new Set<string>();
  /** Messages of entries read and not handed out yet, from `#carryFrom` on: the next receive() starts there. */
  #carry: EntryMessage[] = [];
  #carryFrom = 0;
  /**
   * Messages per entry expected in the next read, to size its COUNT: `pack` at first, then learnt from the
   * reads (#learnSince). Too high costs a read more (#topUp); too low fetches more than asked, kept in the
   * carry-over.
   */
  #perEntry: number;
  /** Entries and messages held since the start (#hold): what a fill of the carry-over read is their growth. */
  #entriesHeld = 0;
  #messagesHeld = 0;
  /** This transport has read from the group, so its consumer exists there. */
  #consumed = false;
  #closing: Promise<void> | undefined;

  constructor(
    options: RedisTransportOptions,
    RedisClient: RedisClass,
    onBackgroundError: (error: unknown) => void,
  ) {
    this.#options = options;
    this.description = options.description;
    this.#redis = new RedisConnections(RedisClient, options, onBackgroundError);
    this.#commands = this.#redis.commands;
    this.#claimInterval = Math.min(options.redeliveryTimeout, MAX_CLAIM_INTERVAL_MS);
    this.#perEntry = options.pack;
  }

  /**
   * Creates the stream and its group. The group starts at `0`, the beginning of the stream, not at `$`,
   * its end: entries added before the group existed (a producer whose setup lost a race, a stream that a
   * Redis restart without persistence brought back through XADD without its group) are delivered rather
   * than skipped. Starting at `0` never delivers work twice, since acknowledged entries are deleted.
   */
  setup(): Promise<void> {
    return this.#guard(this.#createGroup());
  }

  async #createGroup(): Promise<void> {
    const { stream, group } = this.#options;
    try {
      await this.#commands.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!hasErrorCode(error, 'BUSYGROUP')) throw error;
    }
  }

  /**
   * One pipeline of XADD; resolves once Redis has taken every entry. Messages go in order, up to `pack` an
   * entry: `n <count> b <bodies joined by "\n">`, or `m <body>` for an entry of one. A body that holds a
   * newline goes alone in an `m` entry: joined, it would be split wrongly.
   */
  async send(messages: readonly string[]): Promise<void> {
    if (messages.length === 0) return;
    const { maxLength, pack } = this.#options;
    const trim = maxLength === undefined ? [] : ['MAXLEN', '~', maxLength];
    const pipeline = this.#commands.pipeline();
    let from = 0;
    for (let i = 0; i < messages.length; i++) {
      if (messages[i]!.includes(SEPARATOR)) {
        if (from < i) this.#add(pipeline, trim, messages, from, i);
        this.#add(pipeline, trim, messages, i, i + 1);
        from = i + 1;
      } else if (i + 1 - from === pack) {
        this.#add(pipeline, trim, messages, from, i + 1);
        from = i + 1;
      }
    }
    if (from < messages.length) this.#add(pipeline, trim, messages, from, messages.length);
    await this.#guard(pipeline.exec().then(repliesOf));
  }

  /** The XADD of `messages[from…to)` as one entry. */
  #add(
    pipeline: ChainableCommander,
    trim: (string | number)[],
    messages: readonly string[],
    from: number,
    to: number,
  ): void {
    const { stream } = this.#options;
    if (to - from === 1) pipeline.xadd(stream, ...trim, '*', BODY_FIELD, messages[from]!);
    else
      pipeline.xadd(
        stream,
        ...trim,
        '*',
        COUNT_FIELD,
        to - from,
        BODIES_FIELD,
        messages.slice(from, to).join(SEPARATOR),
      );
  }

  /**
   * Hands out the carry-over first; when it holds fewer than `max`, reads entries for the rest (without
   * waiting if the carry-over gave some). Messages of the entries read beyond `max` stay in the carry-over.
   */
  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    if (max < 1 || this.#closing) return [];
    this.#consumed = true;
    const carried = this.#carry.length - this.#carryFrom;
    if (carried >= max) return this.#handOut(max);
    if (this.#carryFrom > 0) {
      this.#carry = this.#carry.slice(this.#carryFrom);
      this.#carryFrom = 0;
    }
    try {
      await this.#next(max - carried, carried > 0 ? 0 : waitMs);
    } catch (error) {
      if (this.#closing) return [];
      // The server may have delivered the entries of a read whose reply was lost: they are in this
      // consumer's pending list, read them from there next time rather than after the redelivery timeout.
      this.#ownPendingFrom = '0';
      // Messages in hand already (carried over, or from a read before the one that failed) go out now;
      // the next receive() meets the failure again if it lasts.
      if (this.#carry.length > 0) return this.#handOut(max);
      if (!hasErrorCode(error, 'NOGROUP')) throw this.#redis.failure(error);
      // The group is gone (Redis restarted without persistence, the key was deleted): create it again.
      await this.#guard(this.#createGroup().then(() => this.#next(max, waitMs)));
    }
    return this.#handOut(max);
  }

  /** The first `max` messages of the carry-over, taken out of it. */
  #handOut(max: number): ReceivedMessage[] {
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

  /** Reads entries for about `wanted` messages into the carry-over, from the first source that has some. */
  async #next(wanted: number, waitMs: number): Promise<void> {
    if (await this.#readOwnPending(wanted)) return;
    if (await this.#claimAbandoned(wanted)) return;
    await this.#readNew(wanted, waitMs);
  }

  /** The entries to read first for about `wanted` messages. */
  #entriesFor(wanted: number): number {
    return Math.max(1, Math.ceil(wanted / this.#perEntry));
  }

  /**
   * The entries to read next, when a read came back full with `messages` of the `wanted` in `entries`:
   * sized from the entries just read, which tell more about the ones behind them than the estimate.
   */
  static #topUp(wanted: number, messages: number, entries: number): number {
    return Math.ceil(((wanted - messages) * entries) / messages);
  }

  /**
   * Learns from the entries held since the counts were `entries` and `messages`: the estimate rises at
   * once to a larger average (reading too many entries would fetch up to `pack` times what was asked),
   * and comes down halfway to a smaller one. True when some were held.
   */
  #learnSince(entries: number, messages: number): boolean {
    const read = this.#entriesHeld - entries;
    if (read === 0) return false;
    const perEntry = (this.#messagesHeld - messages) / read;
    this.#perEntry = perEntry >= this.#perEntry ? perEntry : (this.#perEntry + perEntry) / 2;
    return true;
  }

  /** Puts the messages of an entry in the carry-over and the entry in hand. */
  #hold(id: string, fields: string[], redeliveries: number): void {
    const bodies = bodiesOf(fields);
    const entry = new HeldEntry(id, bodies.length);
    for (const body of bodies) this.#carry.push(new EntryMessage(body, entry, redeliveries));
    this.#inHand.add(id);
    this.#entriesHeld += 1;
    this.#messagesHeld += bodies.length;
  }

  /**
   * Reads pages from one source into the carry-over for about `wanted` messages. `page(count, first)`
   * reads up to `count` entries, holds what it should, and says whether the source may have more. After
   * the first, pages are read only while they come back full and short of `wanted` (entries smaller than
   * expected), sized from the entries just read, at most MAX_TOP_UP_READS more. True when some were held.
   */
  async #fill(wanted: number, page: (count: number, first: boolean) => Promise<boolean>): Promise<boolean> {
    const entriesBefore = this.#entriesHeld;
    const messagesBefore = this.#messagesHeld;
    let count = this.#entriesFor(wanted);
    for (let topUps = 0; ; topUps++) {
      const more = await page(count, topUps === 0);
      const messages = this.#messagesHeld - messagesBefore;
      if (!more || messages === 0 || messages >= wanted || topUps === MAX_TOP_UP_READS) break;
      count = RedisStreamsTransport.#topUp(wanted, messages, this.#entriesHeld - entriesBefore);
    }
    return this.#learnSince(entriesBefore, messagesBefore);
  }

  /**
   * Entries delivered to this consumer's name and never acknowledged: by an earlier run under the same
   * name (a restarted container keeps its hostname, and often pid 1), or by a read whose reply was lost.
   * No one else handles them, so they are read again at once instead of after the redelivery timeout.
   * A page goes on past entries in hand until it holds some or the list ends.
   */
  #readOwnPending(wanted: number): Promise<boolean> {
    const { stream, group, consumer } = this.#options;
    return this.#fill(wanted, async (count) => {
      const messagesBefore = this.#messagesHeld;
      while (this.#ownPendingFrom !== undefined && this.#messagesHeld === messagesBefore) {
        const entries = readEntries(
          await this.#commands.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'STREAMS',
            stream,
            this.#ownPendingFrom,
          ),
        );
        // Fewer than asked for: the end of the list.
        this.#ownPendingFrom = entries.length < count ? undefined : entries.at(-1)?.[0];
        await this.#redelivered(this.#notInHand(entries));
      }
      return this.#ownPendingFrom !== undefined;
    });
  }

  /**
   * Takes over entries left unacknowledged longer than the redelivery timeout. The pending list is
   * scanned a page per call (more while the pages come back full and short of `wanted`), and once it has
   * been scanned to the end, not again for a while.
   */
  async #claimAbandoned(wanted: number): Promise<boolean> {
    if (Date.now() < this.#nextClaimAt) return false;
    const { stream, group, consumer, redeliveryTimeout } = this.#options;
    return this.#fill(wanted, async (count) => {
      const { cursor, entries } = claimedEntries(
        await this.#commands.xautoclaim(
          stream,
          group,
          consumer,
          redeliveryTimeout,
          this.#claimCursor,
          'COUNT',
          count,
        ),
      );
      this.#claimCursor = cursor;
      if (cursor === '0-0' && entries.length < count) this.#nextClaimAt = Date.now() + this.#claimInterval;
      await this.#redelivered(this.#notInHand(entries));
      return entries.length === count && cursor !== '0-0';
    });
  }

  /**
   * Without the entries this consumer holds already: a batch being stored still sits in the pending
   * list, and one held past the redelivery timeout (a long store outage) is idle enough to be claimed.
   */
  #notInHand(entries: StreamEntry[]): StreamEntry[] {
    return entries.filter(([id]) => !this.#inHand.has(id));
  }

  /**
   * Holds entries delivered before, their messages counting the earlier deliveries from XPENDING (which
   * counts this one too: XAUTOCLAIM and a re-read of the pending list both add one), the same for every
   * message of an entry. Entries that left the stream while pending (trimmed by MAXLEN) are acknowledged:
   * there is nothing left to deliver.
   */
  async #redelivered(entries: StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { stream, group } = this.#options;
    const gone = entries.filter(([, fields]) => fields === null).map(([id]) => id);
    const live = entries.filter(([, fields]) => fields !== null);
    const pipeline = this.#commands.pipeline();
    if (gone.length > 0) pipeline.xack(stream, group, ...gone);
    for (const [id] of live) pipeline.xpending(stream, group, id, id, 1);
    const replies = repliesOf(await pipeline.exec()).slice(gone.length > 0 ? 1 : 0);
    for (const [i, [id, fields]] of live.entries()) {
      const [detail] = replies[i] as [id: string, consumer: string, idle: number, deliveries: number][];
      this.#hold(id, fields!, Math.max(1, (detail?.[3] ?? 0) - 1));
    }
  }

  /**
   * New entries, waiting up to `waitMs` on the connection kept for blocking reads; the pages that follow
   * (see #fill) do not wait.
   */
  async #readNew(wanted: number, waitMs: number): Promise<void> {
    await this.#fill(wanted, async (count, first) => {
      const entries = readEntries(await this.#readNewEntries(count, first ? waitMs : 0));
      // Never null for new entries: only a pending entry can have left the stream.
      for (const [id, fields] of entries) this.#hold(id, fields ?? [], 0);
      return entries.length === count;
    });
  }

  #readNewEntries(count: number, waitMs: number): Promise<unknown> {
    const { stream, group, consumer } = this.#options;
    const reads = this.#redis.reads;
    // BLOCK 0 would wait forever: without a wait, do not block at all.
    return waitMs > 0
      ? reads.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'BLOCK',
          Math.ceil(waitMs),
          'STREAMS',
          stream,
          '>',
        )
      : reads.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>');
  }

  /**
   * Counts the messages against their entries; XACK and XDEL of the entries it settles, all acknowledged,
   * in one MULTI: an entry acknowledged but left in the stream would stay there forever and count as
   * waiting in stats(). An entry it settles with a message released before is made available again
   * instead, as release() does.
   */
  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.#settle(messages, false);
  }

  /**
   * Counts the messages against their entries. An entry is released once settled, and whole: messages of
   * it already stored come back too, and the store's deduplication by message id skips them. Released,
   * the entry stays in this consumer's pending list, marked idle for the whole redelivery timeout (XCLAIM
   * … IDLE, JUSTID so that it does not count as a delivery): the next XAUTOCLAIM of any consumer of the
   * group takes it over at once — this transport's next receive() included — and counts the redelivery.
   * Not the stream again (XADD): that would lose its delivery count.
   */
  release(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.#settle(messages, true);
  }

  /**
   * Marks the messages acknowledged or released; the entries they settle are acknowledged and deleted
   * (all their messages acknowledged) or made available again (any released). A message counts once,
   * however often it is passed. When Redis fails, nothing is counted: the call can be made again.
   */
  async #settle(messages: readonly ReceivedMessage[], releasing: boolean): Promise<void> {
    if (messages.length === 0) return;
    const marked: EntryMessage[] = [];
    const acknowledged: string[] = [];
    const released: string[] = [];
    for (const message of messages as readonly EntryMessage[]) {
      if (message.settled) continue;
      message.settled = true;
      marked.push(message);
      const entry = message.handle;
      if (releasing) entry.released += 1;
      entry.open -= 1;
      if (entry.open === 0) (entry.released > 0 ? released : acknowledged).push(entry.id);
    }
    if (acknowledged.length === 0 && released.length === 0) return;
    try {
      await this.#guard(this.#finish(acknowledged, released));
    } catch (error) {
      for (const message of marked) {
        message.settled = false;
        message.handle.open += 1;
        if (releasing) message.handle.released -= 1;
      }
      throw error;
    }
    for (const id of acknowledged) this.#inHand.delete(id);
    if (released.length === 0) return;
    for (const id of released) this.#inHand.delete(id);
    this.#claimCursor = '0-0';
    this.#nextClaimAt = 0;
  }

  /** XACK and XDEL of the `acknowledged` entries and XCLAIM … IDLE of the `released` ones, in one MULTI. */
  #finish(acknowledged: string[], released: string[]): Promise<unknown> {
    const { stream, group, consumer, redeliveryTimeout } = this.#options;
    const idle = ['IDLE', redeliveryTimeout, 'JUSTID'];
    if (acknowledged.length === 0)
      return this.#commands.xclaim(stream, group, consumer, 0, ...released, ...idle);
    const transaction = this.#commands
      .multi()
      .xack(stream, group, ...acknowledged)
      .xdel(stream, ...acknowledged);
    if (released.length > 0) transaction.xclaim(stream, group, consumer, 0, ...released, ...idle);
    return transaction.exec().then(repliesOf);
  }

  /**
   * Counts stream entries, not messages: an entry holds up to `pack` messages sent together (one, for a
   * send of one message), and only its entry count is known without reading it. The stream holds what is
   * not acknowledged yet (ack deletes): waiting entries plus those in flight. Redis 7's group `lag` also
   * counts entries trimmed by MAXLEN before they were delivered, and older servers have none, so `pending`
   * is the smaller of the two. `inFlight` counts the entries delivered and not settled, those whose
   * messages are in this transport's carry-over included.
   */
  async stats(): Promise<TransportStats> {
    const { stream, group } = this.#options;
    // A stream not created yet: XLEN says 0, XINFO refuses it; it has no groups.
    const [length, groups] = await this.#guard(
      this.#commands
        .pipeline()
        .xlen(stream)
        .xinfo('GROUPS', stream)
        .exec()
        .then((results) =>
          repliesOf(
            results?.map(([error, reply]) => (hasNoSuchKey(error) ? [null, []] : [error, reply])) ?? null,
          ),
        ),
    );
    const info = (groups as unknown[]).map(flatRecord).find((record) => record.name === group);
    const total = Number(length);
    if (!info) return { pending: total, inFlight: 0 };
    const inFlight = Number(info.pending);
    const undelivered = Math.max(0, total - inFlight);
    const lag = typeof info.lag === 'number' ? info.lag : undelivered;
    return { pending: Math.min(lag, undelivered), inFlight };
  }

  /**
   * Idempotent. Stops receiving at once: a read blocked in XREADGROUP is cut short, and entries the
   * server may have handed it meanwhile wait in this consumer's pending list for the redelivery timeout,
   * as do entries not settled: those whose messages are partly or wholly in the carry-over included.
   * Sends and acknowledgements already made are answered before the connection closes.
   */
  close(): Promise<void> {
    this.#closing ??= this.#redis.close(() => (this.#consumed ? this.#leaveGroup() : Promise.resolve()));
    return this.#closing;
  }

  /**
   * A consumer that stops with nothing pending leaves the group, so that XINFO CONSUMERS lists the live
   * workers and not one name per past start. One with pending entries stays: deleting it would take them
   * out of the pending list, and no consumer would ever be given them again.
   */
  async #leaveGroup(): Promise<void> {
    const { stream, group, consumer } = this.#options;
    const pending = await this.#commands.xpending(stream, group, '-', '+', 1, consumer);
    if ((pending as unknown[]).length === 0)
      await this.#commands.xgroup('DELCONSUMER', stream, group, consumer);
  }

  /** `work`, failing with a RedisUnreachableError when Redis could not be reached. */
  async #guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw this.#redis.failure(error);
    }
  }
}
