import type { Redis } from 'ioredis';
import type { TransportStats } from '../../transport.js';
import type { RedisConnections } from './connection.js';
import type { RedisTransportOptions } from './options.js';
import {
  claimedEntries,
  flatRecord,
  hasErrorCode,
  hasNoSuchKey,
  readEntries,
  repliesOf,
  type StreamEntry,
} from './replies.js';

/**
 * The commands one consumer sends to its group on the stream, as Redis takes them, replies parsed. It
 * knows entries and their ids, not messages; errors come as ioredis throws them (the transport tells an
 * outage from a refusal).
 */
export class ConsumerGroup {
  readonly #options: RedisTransportOptions;
  readonly #commands: Redis;
  /** Only for blocking reads, so that a wait for new entries never holds up another command. */
  readonly #reads: Redis;

  constructor(options: RedisTransportOptions, redis: RedisConnections) {
    this.#options = options;
    this.#commands = redis.commands;
    this.#reads = redis.reads;
  }

  /**
   * Creates the stream and the group, or leaves them as they are. The group starts at `0`, the beginning
   * of the stream, not at `$`, its end: entries added before the group existed (a producer whose setup lost
   * a race, a stream that a Redis restart without persistence brought back through XADD without its group)
   * are delivered rather than skipped. Starting at `0` never delivers work twice, since acknowledged
   * entries are deleted.
   */
  async create(): Promise<void> {
    const { stream, group } = this.#options;
    try {
      await this.#commands.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!hasErrorCode(error, 'BUSYGROUP')) throw error;
    }
  }

  /** One pipeline of XADD, an entry for each list of fields, the stream trimmed to about `maxLength`. */
  async add(entries: readonly string[][]): Promise<void> {
    const { stream, maxLength } = this.#options;
    const trim = maxLength === undefined ? [] : ['MAXLEN', '~', maxLength];
    const pipeline = this.#commands.pipeline();
    for (const fields of entries) pipeline.xadd(stream, ...trim, '*', ...fields);
    await pipeline.exec().then(repliesOf);
  }

  /** Up to `count` entries of this consumer's own pending list after the id `after` (`0`: the start). */
  async readOwnPending(after: string, count: number): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.#options;
    return readEntries(
      await this.#commands.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, after),
    );
  }

  /** Up to `count` entries never delivered to the group, waiting up to `waitMs` for the first. */
  async readNew(count: number, waitMs: number): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.#options;
    const reads = this.#reads;
    // BLOCK 0 would wait forever: without a wait, do not block at all.
    const reply =
      waitMs > 0
        ? await reads.xreadgroup(
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
        : await reads.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>');
    return readEntries(reply);
  }

  /**
   * Takes over up to `count` entries of the group's pending list idle longer than the redelivery timeout,
   * scanning from `cursor` (XAUTOCLAIM); the cursor to go on from, `0-0` once the scan reached the end.
   */
  async claimIdle(cursor: string, count: number): Promise<{ cursor: string; entries: StreamEntry[] }> {
    const { stream, group, consumer, redeliveryTimeout } = this.#options;
    return claimedEntries(
      await this.#commands.xautoclaim(stream, group, consumer, redeliveryTimeout, cursor, 'COUNT', count),
    );
  }

  /**
   * How many times each of the `live` entries was delivered, this time included (XPENDING), in the same
   * pipeline as the XACK of the `gone` ones: entries that left the stream while pending (trimmed by
   * MAXLEN), with nothing left to deliver.
   */
  async deliveries(live: readonly string[], gone: readonly string[]): Promise<number[]> {
    const { stream, group } = this.#options;
    const pipeline = this.#commands.pipeline();
    if (gone.length > 0) pipeline.xack(stream, group, ...gone);
    for (const id of live) pipeline.xpending(stream, group, id, id, 1);
    const replies = repliesOf(await pipeline.exec()).slice(gone.length > 0 ? 1 : 0);
    return replies.map((reply) => {
      const [detail] = reply as [id: string, consumer: string, idle: number, deliveries: number][];
      return detail?.[3] ?? 0;
    });
  }

  /**
   * XACK and XDEL of the `acknowledged` entries, in one MULTI: an entry acknowledged but left in the stream
   * would stay there forever and count as waiting in stats(). In the same MULTI, the `released` ones stay
   * in this consumer's pending list marked idle for the whole redelivery timeout (XCLAIM … IDLE, JUSTID so
   * that it does not count as a delivery), for the next XAUTOCLAIM of any consumer to take them over.
   */
  finish(acknowledged: readonly string[], released: readonly string[]): Promise<unknown> {
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
   * Entries waiting and in flight. The stream holds what is not acknowledged yet (acknowledging deletes):
   * waiting entries plus those in flight. Redis 7's group `lag` also counts entries trimmed by MAXLEN
   * before they were delivered, and older servers have none, so `pending` is the smaller of the two.
   */
  async stats(): Promise<TransportStats> {
    const { stream, group } = this.#options;
    const results = await this.#commands.pipeline().xlen(stream).xinfo('GROUPS', stream).exec();
    // A stream not created yet: XLEN says 0, XINFO refuses it; it has no groups.
    const [length, groups] = repliesOf(
      results?.map(([error, reply]) => (hasNoSuchKey(error) ? [null, []] : [error, reply])) ?? null,
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
   * A consumer that stops with nothing pending leaves the group, so that XINFO CONSUMERS lists the live
   * workers and not one name per past start. One with pending entries stays: deleting it would take them
   * out of the pending list, and no consumer would ever be given them again.
   */
  async leave(): Promise<void> {
    const { stream, group, consumer } = this.#options;
    const pending = await this.#commands.xpending(stream, group, '-', '+', 1, consumer);
    if ((pending as unknown[]).length === 0)
      await this.#commands.xgroup('DELCONSUMER', stream, group, consumer);
  }
}
