import type { ConfirmChannel, Options } from 'amqplib';
import { type AmqpConnection, closeWithin, withDeadline } from './connection.js';
import { UnroutableError, unreachable } from './errors.js';
import type { AmqpOptions } from './options.js';

/** AMQP reply code when publishing to an exchange that does not exist. */
const NOT_FOUND = 404;

/** A confirm channel and what the broker said on it outside any call. */
interface PublishChannel {
  channel: ConfirmChannel;
  /** Messages the broker returned as unroutable. */
  returned: number;
  /** Why the broker closed the channel, when it did. */
  error?: Error;
  closed: boolean;
}

/**
 * Publishes on a confirm channel, opened on first use and again after it closed. A send resolves once
 * RabbitMQ confirmed each of its messages (persisted to disk for a durable queue); each message carries
 * its own confirm callback, so concurrent sends wait for their own messages only.
 */
export class Publisher {
  #target: PublishChannel | undefined;
  #opening: Promise<PublishChannel> | undefined;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: AmqpOptions,
  ) {}

  async send(messages: readonly string[]): Promise<void> {
    const target = await this.#channel();
    const returnedBefore = target.returned;
    // publish() returning false (socket buffer full) needs no wait: amqplib keeps the frames, and a send
    // carries at most a few hundred messages.
    const confirms = messages.map((message) => this.#publish(target.channel, message));
    const confirmed = this.connection.guard(Promise.all(confirms));
    const outcome = await withDeadline(confirmed, this.options.sendTimeout).catch((error) => {
      // A channel the broker closed says why; amqplib's 'channel closed' does not.
      if (!target.error) throw error;
      const refused = `RabbitMQ refused the messages: ${target.error.message}`;
      if ((target.error as { code?: unknown }).code === NOT_FOUND)
        throw new UnroutableError(refused, { cause: target.error });
      // The broker's error as cause: its reply code says why (see amqpErrorCause).
      throw new Error(refused, { cause: target.error });
    });
    if (outcome === 'timeout') {
      // The channel's state is unknown now (blocked connection, dead socket): the next send starts afresh.
      // Nothing tells a broker out of resources from one out of reach; both are waited out alike.
      void this.#discard(target);
      throw unreachable(
        `RabbitMQ did not confirm ${messages.length} message(s) within ${this.options.sendTimeout} ms (sendTimeout); they will be sent again`,
      );
    }
    if (target.returned > returnedBefore) {
      throw new UnroutableError(
        `RabbitMQ could not route messages to the queue ${JSON.stringify(this.options.queue)}${this.options.exchange ? ` through the exchange ${JSON.stringify(this.options.exchange)}` : ''}: does it exist? (setup() declares it)`,
      );
    }
  }

  /** Closes the channel; sends still waiting for confirms reject. */
  async close(): Promise<void> {
    const target = this.#target ?? (await this.#opening?.catch(() => undefined));
    this.#target = undefined;
    if (target) await this.#discard(target);
  }

  /**
   * One persistent, mandatory message: `mandatory` makes RabbitMQ return a message no queue takes (the
   * queue was deleted) instead of confirming it as if it had been stored.
   */
  #publish(channel: ConfirmChannel, message: string): Promise<void> {
    const properties: Options.Publish = {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: envelopeIdOf(message),
    };
    return new Promise((resolve, reject) => {
      try {
        channel.publish(
          this.options.exchange,
          this.options.queue,
          Buffer.from(message),
          properties,
          (error) => (error ? reject(error) : resolve()),
        );
      } catch (error) {
        // amqplib throws at once when the channel is already closed.
        reject(error);
      }
    });
  }

  /** The open channel, opened now on first use or after the previous one closed. */
  async #channel(): Promise<PublishChannel> {
    if (this.#target && !this.#target.closed) return this.#target;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    this.#target = await this.#opening;
    return this.#target;
  }

  async #open(): Promise<PublishChannel> {
    const state: Omit<PublishChannel, 'channel'> = { returned: 0, closed: false };
    const channel = await this.connection.confirmChannel((error) => {
      state.error = error;
    });
    channel.on('return', () => {
      state.returned += 1;
    });
    channel.on('close', () => {
      state.closed = true;
    });
    return Object.assign(state, { channel });
  }

  /** Closes the channel, waiting at most `connectTimeout` for a broker that stopped answering. */
  async #discard(target: PublishChannel): Promise<void> {
    if (target.closed) return;
    target.closed = true;
    await closeWithin(target.channel, this.options.connectTimeout);
  }
}

/**
 * The envelope's id as AMQP message id (shown by the management UI), read from the prefix `encodeRecord`
 * writes rather than by parsing the whole message; other messages go without one.
 */
function envelopeIdOf(message: string): string | undefined {
  return /^\{"type":"[^"\\]*","v":\d+,"id":"([^"\\]{1,128})"/.exec(message)?.[1];
}
