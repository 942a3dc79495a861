import type { Redis } from 'ioredis';
import type { ReceivedMessage, Transport, TransportStats } from '../../transport.js';
import { type RedisClass, RedisConnections } from './connection.js';
import type { RedisTransportOptions } from './options.js';
import {
  BODY_FIELD,
  bodyOf,
  claimedEntries,
  flatRecord,
  hasErrorCode,
  hasNoSuchKey,
  readEntries,
  repliesOf,
  type StreamEntry,
} from './replies.js';

/** Longest pause between two scans for abandoned entries, once a scan has found none left. */
const MAX_CLAIM_INTERVAL_MS = 1000;

/**
 * Redis Streams with a consumer group: producers XADD, workers XREADGROUP, acknowledge with XACK and
 * delete the entry (the stream only holds work not yet done), and take over with XAUTOCLAIM the entries
 * another consumer received and left unacknowledged past the redelivery timeout — a crashed worker's.
 *
 * Receiving, in order: this consumer's own pending entries from before (see #readOwnPending), entries
 * abandoned by others, then new entries. Entries received and not yet acknowledged or released are "in
 * hand" (the worker stores one batch while it receives the next): never delivered again by this transport.
 * Failures to reach Redis reject with a RedisUnreachableError. Requires Redis 6.2 or later (XAUTOCLAIM).
 */
export class RedisStreamsTransport implements Transport {
  readonly description: string;
  readonly durable = true;
  readonly #options: RedisTransportOptions;
  readonly #redis: RedisConnections;
  readonly #commands: Redis;
  readonly #claimInterval: number;
  /** Where the re-read of this consumer's own pending list goes on; undefined once it is done. */
  #ownPendingFrom: string | undefined = '0';
  #claimCursor = '0-0';
  #nextClaimAt = 0;
  /** Ids of the entries received and not yet acknowledged or released. */
  readonly #inHand = new Set<string>();
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

  /** One pipeline of XADD; resolves once Redis has taken every entry. */
  async send(messages: readonly string[]): Promise<void> {
    if (messages.length === 0) return;
    const { stream, maxLength } = this.#options;
    const trim = maxLength === undefined ? [] : ['MAXLEN', '~', maxLength];
    const pipeline = this.#commands.pipeline();
    for (const body of messages) pipeline.xadd(stream, ...trim, '*', BODY_FIELD, body);
    await this.#guard(pipeline.exec().then(repliesOf));
  }

  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    if (max < 1 || this.#closing) return [];
    this.#consumed = true;
    try {
      return this.#take(await this.#next(max, waitMs));
    } catch (error) {
      if (this.#closing) return [];
      // The server may have delivered the entries of a read whose reply was lost: they are in this
      // consumer's pending list, read them from there next time rather than after the redelivery timeout.
      this.#ownPendingFrom = '0';
      if (!hasErrorCode(error, 'NOGROUP')) throw this.#redis.failure(error);
      // The group is gone (Redis restarted without persistence, the key was deleted): create it again.
      return this.#take(await this.#guard(this.#createGroup().then(() => this.#next(max, waitMs))));
    }
  }

  #take(messages: ReceivedMessage[]): ReceivedMessage[] {
    for (const message of messages) this.#inHand.add(message.handle as string);
    return messages;
  }

  async #next(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const own = await this.#readOwnPending(max);
    if (own.length > 0) return own;
    const claimed = await this.#claimAbandoned(max);
    if (claimed.length > 0) return claimed;
    return this.#readNew(max, waitMs);
  }

  /**
   * Entries delivered to this consumer's name and never acknowledged: by an earlier run under the same
   * name (a restarted container keeps its hostname, and often pid 1), or by a read whose reply was lost.
   * No one else handles them, so they are read again at once instead of after the redelivery timeout.
   */
  async #readOwnPending(max: number): Promise<ReceivedMessage[]> {
    const { stream, group, consumer } = this.#options;
    while (this.#ownPendingFrom !== undefined) {
      const entries = readEntries(
        await this.#commands.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          max,
          'STREAMS',
          stream,
          this.#ownPendingFrom,
        ),
      );
      this.#ownPendingFrom = entries.at(-1)?.[0];
      const messages = await this.#redelivered(this.#notInHand(entries));
      if (messages.length > 0) return messages;
    }
    return [];
  }

  /**
   * Takes over entries left unacknowledged longer than the redelivery timeout. The pending list is
   * scanned a page per call, and once it has been scanned to the end, not again for a while.
   */
  async #claimAbandoned(max: number): Promise<ReceivedMessage[]> {
    if (Date.now() < this.#nextClaimAt) return [];
    const { stream, group, consumer, redeliveryTimeout } = this.#options;
    const { cursor, entries } = claimedEntries(
      await this.#commands.xautoclaim(
        stream,
        group,
        consumer,
        redeliveryTimeout,
        this.#claimCursor,
        'COUNT',
        max,
      ),
    );
    this.#claimCursor = cursor;
    if (cursor === '0-0' && entries.length < max) this.#nextClaimAt = Date.now() + this.#claimInterval;
    return this.#redelivered(this.#notInHand(entries));
  }

  /**
   * Without the entries this consumer holds already: a batch being stored still sits in the pending
   * list, and one held past the redelivery timeout (a long store outage) is idle enough to be claimed.
   */
  #notInHand(entries: StreamEntry[]): StreamEntry[] {
    return entries.filter(([id]) => !this.#inHand.has(id));
  }

  /**
   * Messages for entries delivered before, with the count of earlier deliveries from XPENDING (which
   * counts this one too: XAUTOCLAIM and a re-read of the pending list both add one). Entries that left
   * the stream while pending (trimmed by MAXLEN) are acknowledged: there is nothing left to deliver.
   */
  async #redelivered(entries: StreamEntry[]): Promise<ReceivedMessage[]> {
    if (entries.length === 0) return [];
    const { stream, group } = this.#options;
    const gone = entries.filter(([, fields]) => fields === null).map(([id]) => id);
    const live = entries.filter(([, fields]) => fields !== null);
    const pipeline = this.#commands.pipeline();
    if (gone.length > 0) pipeline.xack(stream, group, ...gone);
    for (const [id] of live) pipeline.xpending(stream, group, id, id, 1);
    const replies = repliesOf(await pipeline.exec()).slice(gone.length > 0 ? 1 : 0);
    return live.map(([id, fields], i) => {
      const [detail] = replies[i] as [id: string, consumer: string, idle: number, deliveries: number][];
      return { body: bodyOf(fields)!, handle: id, redeliveries: Math.max(1, (detail?.[3] ?? 0) - 1) };
    });
  }

  /** New entries, waiting up to `waitMs` on the connection kept for blocking reads. */
  async #readNew(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const { stream, group, consumer } = this.#options;
    const reads = this.#redis.reads;
    // BLOCK 0 would wait forever: without a wait, do not block at all.
    const reply =
      waitMs > 0
        ? await reads.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            max,
            'BLOCK',
            Math.ceil(waitMs),
            'STREAMS',
            stream,
            '>',
          )
        : await reads.xreadgroup('GROUP', group, consumer, 'COUNT', max, 'STREAMS', stream, '>');
    return readEntries(reply).map(([id, fields]) => ({
      body: bodyOf(fields) ?? '',
      handle: id,
      redeliveries: 0,
    }));
  }

  /**
   * XACK and XDEL in one MULTI: an entry acknowledged but left in the stream would stay there forever
   * and count as waiting in stats().
   */
  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { stream, group } = this.#options;
    const ids = messages.map((message) => message.handle as string);
    const transaction = this.#commands
      .multi()
      .xack(stream, group, ...ids)
      .xdel(stream, ...ids);
    await this.#guard(transaction.exec().then(repliesOf));
    for (const id of ids) this.#inHand.delete(id);
  }

  /**
   * The entries stay in this consumer's pending list, marked idle for the whole redelivery timeout
   * (XCLAIM … IDLE, JUSTID so that it does not count as a delivery): the next XAUTOCLAIM of any consumer
   * of the group takes them over at once — this transport's next receive() included — and counts the
   * redelivery. Not the stream again (XADD): that would lose their delivery count.
   */
  async release(messages: readonly ReceivedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { stream, group, consumer, redeliveryTimeout } = this.#options;
    const ids = messages.map((message) => message.handle as string);
    await this.#guard(
      this.#commands.xclaim(stream, group, consumer, 0, ...ids, 'IDLE', redeliveryTimeout, 'JUSTID'),
    );
    for (const id of ids) this.#inHand.delete(id);
    this.#claimCursor = '0-0';
    this.#nextClaimAt = 0;
  }

  /**
   * The stream holds what is not acknowledged yet (ack deletes): waiting entries plus those in flight.
   * Redis 7's group `lag` also counts entries trimmed by MAXLEN before they were delivered, and older
   * servers have none, so `pending` is the smaller of the two.
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
   * server may have handed it meanwhile wait in this consumer's pending list for the redelivery timeout.
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
