import type { Channel, ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { RouteperfError } from '../../../errors.js';
import type { TransportContext } from '../../transport.js';
import { connectionFailure, unreachable } from './errors.js';
import type { AmqpOptions } from './options.js';

export type Connect = typeof connect;

/**
 * The one connection of a transport, opened on first use and opened again by the first call after it
 * dropped: the transport can be created while RabbitMQ is down, and outlives its restarts. Every emitter
 * amqplib hands out gets an 'error' listener, since an unhandled 'error' event would end the process.
 */
export class AmqpConnection {
  #model: Promise<ChannelModel> | undefined;
  #closed = false;

  constructor(
    private readonly connect: Connect,
    private readonly options: AmqpOptions,
    private readonly context: TransportContext,
  ) {}

  /** A channel on the open connection; `onError` hears the broker closing it (a refused operation). */
  async channel(onError: (error: Error) => void): Promise<Channel> {
    const model = await this.#open();
    const channel = await this.guard(model.createChannel());
    channel.on('error', onError);
    return channel;
  }

  /** A channel on which the broker confirms every publish. */
  async confirmChannel(onError: (error: Error) => void): Promise<ConfirmChannel> {
    const model = await this.#open();
    const channel = await this.guard(model.createConfirmChannel());
    channel.on('error', onError);
    return channel;
  }

  /** Runs `task` on a channel of its own, closed afterwards; a refusal reaches the caller as `task`'s rejection. */
  async withChannel<T>(task: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.channel(() => {});
    try {
      return await this.guard(task(channel));
    } finally {
      await closeWithin(channel, this.options.connectTimeout);
    }
  }

  /**
   * `operation`'s outcome, except that a failure because the connection dropped meanwhile becomes
   * unreachable: amqplib reports it as a closed channel, like a refusal by the broker.
   */
  async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      if (error instanceof RouteperfError || this.#model !== undefined || this.#closed) throw error;
      throw unreachable('the connection to RabbitMQ dropped', error);
    }
  }

  /**
   * Closes the connection (RabbitMQ requeues what it delivered and was not acknowledged). A connection
   * that stopped answering is given `connectTimeout` to close, then its socket is dropped.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const model = await this.#model?.catch(() => undefined);
    this.#model = undefined;
    if (!model) return;
    if ((await closeWithin(model, this.options.connectTimeout)) === 'timeout') {
      // With an error, so that amqplib tears the connection down (heartbeat timers, pending calls) too.
      socketOf(model)?.destroy(new Error('RabbitMQ did not answer the close'));
    }
  }

  #open(): Promise<ChannelModel> {
    if (this.#closed) return Promise.reject(new Error('the amqp transport is closed'));
    if (this.#model) return this.#model;
    const opening = this.#connect();
    this.#model = opening;
    opening.catch(() => {
      if (this.#model === opening) this.#model = undefined;
    });
    return opening;
  }

  async #connect(): Promise<ChannelModel> {
    let model: ChannelModel;
    try {
      // amqplib's `timeout` bounds the TCP connect and the handshake: a dead host fails fast.
      model = await this.connect(this.options.url, {
        timeout: this.options.connectTimeout,
        ...this.options.tls,
        clientProperties: { connection_name: `routeperf ${this.context.consumerName}` },
      });
    } catch (error) {
      throw connectionFailure(this.options.description, error);
    }
    const opened = this.#model;
    model.on('error', (error: Error) => {
      if (!this.#closed)
        this.context.onBackgroundError(unreachable('the connection to RabbitMQ failed', error));
    });
    model.on('blocked', (reason: string) =>
      this.context.onBackgroundError(
        new Error(`RabbitMQ blocked the connection (${reason}): sends wait until it has resources again`),
      ),
    );
    model.on('close', () => {
      if (this.#model === opened) this.#model = undefined;
    });
    if (this.#closed) {
      await model.close().catch(() => {});
      throw new Error('the amqp transport is closed');
    }
    return model;
  }
}

/** A channel or a connection: amqplib emits 'close' on both however they end. */
interface Closable {
  close(): Promise<void>;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Closes a channel or connection that is open. Done when the broker confirms, or when it closes
 * otherwise (the connection dropped meanwhile: amqplib then never settles the close), or after
 * `timeoutMs` for a broker that stopped answering.
 */
export function closeWithin(closable: Closable, timeoutMs: number): Promise<undefined | 'timeout'> {
  const closed = new Promise<undefined>((resolve) => {
    closable.once('close', () => resolve(undefined));
    closable.close().then(
      () => resolve(undefined),
      () => resolve(undefined),
    );
  });
  return withDeadline(closed, timeoutMs);
}

/** Resolves 'timeout' when `promise` takes longer than `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** amqplib keeps the socket on `connection.stream` (not part of its types): the way out of a hung close. */
function socketOf(model: ChannelModel): { destroy(error: Error): void } | undefined {
  return (model.connection as unknown as { stream?: { destroy(error: Error): void } }).stream;
}
