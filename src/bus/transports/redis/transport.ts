import type { ErrorCause } from '../../../errors.js';
import type { ReceivedMessage, Transport, TransportStats } from '../../transport.js';
import { AdaptiveReads, ClaimSchedule } from './adaptive-reads.js';
import { type RedisClasses, RedisConnections, redisErrorCause } from './connection.js';
import { ConsumerGroup } from './consumer-group.js';
import { HeldEntries } from './held-entries.js';
import type { RedisTransportOptions } from './options.js';
import { hasErrorCode, type StreamEntry } from './replies.js';
import { decodeEntry, encodeEntries } from './wire-format.js';

/**
 * Redis Streams with a consumer group: producers XADD, workers XREADGROUP, acknowledge with XACK and
 * delete the entry (the stream only holds work not yet done), and take over with XAUTOCLAIM the entries
 * another consumer received and left unacknowledged past the redelivery timeout — a crashed worker's.
 *
 * An entry carries up to `pack` messages sent together (see wire-format.ts). Everything Redis does —
 * delivery, pending lists, redelivery, MAXLEN, XLEN — is per entry; receive() hands out messages one by
 * one, and an entry is acknowledged once all of its messages are (see #settle).
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
    return redisErrorCause(error);
  }
  readonly #options: RedisTransportOptions;
  readonly #redis: RedisConnections;
  readonly #group: ConsumerGroup;
  readonly #held = new HeldEntries();
  readonly #reads: AdaptiveReads;
  readonly #claims: ClaimSchedule;
  /** Where the re-read of this consumer's own pending list goes on; undefined once it is done. */
  #ownPendingFrom: string | undefined = '0';
  /** This transport has read from the group, so its consumer exists there. */
  #consumed = false;
  #closing: Promise<void> | undefined;

  constructor(
    options: RedisTransportOptions,
    RedisClient: RedisClasses,
    onBackgroundError: (error: unknown) => void,
  ) {
    this.#options = options;
    this.description = options.description;
    this.#redis = new RedisConnections(RedisClient, options, onBackgroundError);
    this.#group = new ConsumerGroup(options, this.#redis);
    this.#reads = new AdaptiveReads(options.pack, this.#held.totals);
    this.#claims = new ClaimSchedule(options.redeliveryTimeout);
  }

  /** Creates the stream and its group (see ConsumerGroup.create). */
  setup(): Promise<void> {
    return this.#guard(this.#group.create());
  }

  /** Messages go in order, up to `pack` an entry, one XADD each; resolves once Redis has taken them all. */
  async send(messages: readonly string[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#guard(this.#group.add(encodeEntries(messages, this.#options.pack)));
  }

  /**
   * Hands out the carry-over first; when it holds fewer than `max`, reads entries for the rest (without
   * waiting if the carry-over gave some). Messages of the entries read beyond `max` stay in the carry-over.
   */
  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    if (max < 1 || this.#closing) return [];
    this.#consumed = true;
    const carried = this.#held.carried;
    if (carried >= max) return this.#held.handOut(max);
    try {
      await this.#next(max - carried, carried > 0 ? 0 : waitMs);
    } catch (error) {
      if (this.#closing) return [];
      // The server may have delivered the entries of a read whose reply was lost: they are in this
      // consumer's pending list, read them from there next time rather than after the redelivery timeout.
      this.#ownPendingFrom = '0';
      // Messages in hand already (carried over, or from a read before the one that failed) go out now;
      // the next receive() meets the failure again if it lasts.
      if (this.#held.carried > 0) return this.#held.handOut(max);
      if (!hasErrorCode(error, 'NOGROUP')) throw this.#redis.failure(error);
      // The group is gone (Redis restarted without persistence, the key was deleted): create it again.
      await this.#guard(this.#group.create().then(() => this.#next(max, waitMs)));
    }
    return this.#held.handOut(max);
  }

  /** Reads entries for about `wanted` messages into the carry-over, from the first source that has some. */
  async #next(wanted: number, waitMs: number): Promise<void> {
    if (await this.#readOwnPending(wanted)) return;
    if (await this.#claimAbandoned(wanted)) return;
    await this.#readNew(wanted, waitMs);
  }

  /**
   * Entries delivered to this consumer's name and never acknowledged: by an earlier run under the same
   * name (a restarted container keeps its hostname, and often pid 1), or by a read whose reply was lost.
   * No one else handles them, so they are read again at once instead of after the redelivery timeout.
   * A page goes on past entries in hand until it holds some or the list ends.
   */
  #readOwnPending(wanted: number): Promise<boolean> {
    const held = this.#held.totals;
    return this.#reads.fill(wanted, async (count) => {
      const messagesBefore = held.messages;
      while (this.#ownPendingFrom !== undefined && held.messages === messagesBefore) {
        const entries = await this.#group.readOwnPending(this.#ownPendingFrom, count);
        // Fewer than asked for: the end of the list.
        this.#ownPendingFrom = entries.length < count ? undefined : entries.at(-1)?.[0];
        await this.#redelivered(this.#notInHand(entries));
      }
      return this.#ownPendingFrom !== undefined;
    });
  }

  /**
   * Takes over entries left unacknowledged longer than the redelivery timeout, when a scan of the pending
   * list is due (see ClaimSchedule).
   */
  async #claimAbandoned(wanted: number): Promise<boolean> {
    if (!this.#claims.due) return false;
    return this.#reads.fill(wanted, async (count) => {
      const { cursor, entries } = await this.#group.claimIdle(this.#claims.cursor, count);
      const more = this.#claims.scanned(cursor, entries.length, count);
      await this.#redelivered(this.#notInHand(entries));
      return more;
    });
  }

  /**
   * Without the entries this consumer holds already: a batch being stored still sits in the pending
   * list, and one held past the redelivery timeout (a long store outage) is idle enough to be claimed.
   */
  #notInHand(entries: StreamEntry[]): StreamEntry[] {
    return entries.filter(([id]) => !this.#held.has(id));
  }

  /**
   * Holds entries delivered before, their messages counting the earlier deliveries from XPENDING (which
   * counts this one too: XAUTOCLAIM and a re-read of the pending list both add one), the same for every
   * message of an entry. Entries that left the stream while pending (trimmed by MAXLEN) are acknowledged:
   * there is nothing left to deliver.
   */
  async #redelivered(entries: StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const gone = entries.filter(([, fields]) => fields === null).map(([id]) => id);
    const live = entries.filter(([, fields]) => fields !== null);
    const liveIds = live.map(([id]) => id);
    const deliveries = await this.#group.deliveries(liveIds, gone);
    for (const [i, [id, fields]] of live.entries())
      this.#held.hold(id, decodeEntry(fields!), Math.max(1, deliveries[i]! - 1));
  }

  /**
   * New entries, waiting up to `waitMs` on the connection kept for blocking reads; the pages that follow
   * (see AdaptiveReads.fill) do not wait.
   */
  async #readNew(wanted: number, waitMs: number): Promise<void> {
    await this.#reads.fill(wanted, async (count, first) => {
      const entries = await this.#group.readNew(count, first ? waitMs : 0);
      // Never null for new entries: only a pending entry can have left the stream.
      for (const [id, fields] of entries) this.#held.hold(id, decodeEntry(fields ?? []), 0);
      return entries.length === count;
    });
  }

  /**
   * Counts the messages against their entries; the entries it settles, all acknowledged, are acknowledged
   * and deleted from the stream (the stream only holds work not yet done). An entry it settles with a
   * message released before is made available again instead, as release() does.
   */
  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.#settle(messages, false);
  }

  /**
   * Counts the messages against their entries. An entry is released once settled, and whole: messages of
   * it already stored come back too, and the store's deduplication by message id skips them. Released,
   * the entry stays in this consumer's pending list, marked idle for the whole redelivery timeout (see
   * ConsumerGroup.finish): the next XAUTOCLAIM of any consumer of the group takes it over at once — this
   * transport's next receive() included — and counts the redelivery. Not the stream again (XADD): that
   * would lose its delivery count.
   */
  release(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.#settle(messages, true);
  }

  /**
   * Counts the messages against their entries (see HeldEntries.settle); the entries they settle are
   * acknowledged and deleted (all their messages acknowledged) or made available again (any released).
   * When Redis fails, nothing is counted: the call can be made again.
   */
  async #settle(messages: readonly ReceivedMessage[], releasing: boolean): Promise<void> {
    const settlement = this.#held.settle(messages, releasing);
    if (settlement.isEmpty) return;
    try {
      await this.#guard(this.#group.finish(settlement.acknowledged, settlement.released));
    } catch (error) {
      settlement.undo();
      throw error;
    }
    settlement.confirm();
    if (settlement.released.length > 0) this.#claims.restart();
  }

  /**
   * Counts stream entries, not messages: an entry holds up to `pack` messages sent together (one, for a
   * send of one message), and only its entry count is known without reading it. `inFlight` counts the
   * entries delivered and not settled, those whose messages are in this transport's carry-over included.
   */
  stats(): Promise<TransportStats> {
    return this.#guard(this.#group.stats());
  }

  /**
   * Idempotent. Stops receiving at once: a read blocked in XREADGROUP is cut short, and entries the
   * server may have handed it meanwhile wait in this consumer's pending list for the redelivery timeout,
   * as do entries not settled: those whose messages are partly or wholly in the carry-over included.
   * Sends and acknowledgements already made are answered before the connection closes. A consumer that
   * has read leaves the group if it has nothing pending (see ConsumerGroup.leave).
   */
  close(): Promise<void> {
    this.#closing ??= this.#redis.close(() => (this.#consumed ? this.#group.leave() : Promise.resolve()));
    return this.#closing;
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
