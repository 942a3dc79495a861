import { causeOf, type ErrorCause } from '../../../errors.js';
import type { ReceivedMessage, Transport, TransportContext, TransportStats } from '../../transport.js';
import { AmqpConnection, type Connect } from './connection.js';
import { Consumer, type DeliveryHandle } from './consumer.js';
import { amqpErrorCause, UnroutableError } from './errors.js';
import type { AmqpOptions } from './options.js';
import { Publisher } from './publisher.js';
import { declareTopology } from './topology.js';

/**
 * RabbitMQ (AMQP 0-9-1): a durable queue with publisher confirms, manual acknowledgements after the
 * batch is stored, and a dead-letter exchange feeding `<queue>.failed`. One connection, opened on first
 * use; a publisher channel and a consumer channel on it, each opened when first needed (an app only
 * publishes, a worker mostly consumes), and opened again by the first call after they were lost.
 */
export class AmqpTransport implements Transport {
  readonly description: string;
  readonly durable = true;
  readonly #connection: AmqpConnection;
  readonly #publisher: Publisher;
  #consumer: Promise<Consumer> | undefined;
  /** setup() ran: a send RabbitMQ could not route declares the queue again (someone deleted it). */
  #declared = false;
  #redeclare = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    connect: Connect,
    private readonly options: AmqpOptions,
    private readonly context: TransportContext,
  ) {
    this.description = options.description;
    this.#connection = new AmqpConnection(connect, options, context);
    this.#publisher = new Publisher(this.#connection, options);
  }

  async setup(): Promise<void> {
    this.#assertOpen();
    await this.#connection.withChannel((channel) => declareTopology(channel, this.options));
    this.#declared = true;
    this.#redeclare = false;
  }

  /** Resolves once RabbitMQ confirmed every message; rejects within `connectTimeout` when it is unreachable. */
  async send(messages: readonly string[]): Promise<void> {
    this.#assertOpen();
    if (messages.length === 0) return;
    if (this.#redeclare) await this.setup();
    try {
      await this.#publisher.send(messages);
    } catch (error) {
      if (error instanceof UnroutableError && this.#declared) this.#redeclare = true;
      throw error;
    }
  }

  /**
   * Up to `max` messages: returns as soon as `max` are here, or when some are here and no more came for a
   * short moment (the queue is drained), or when `waitMs` passed; at once with [] when the connection
   * drops meanwhile. Rejects with ROUTEPERF_TRANSPORT_UNREACHABLE while RabbitMQ is unreachable, which
   * the worker waits out; the next call connects again.
   */
  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    this.#assertOpen();
    const deadline = Date.now() + waitMs;
    let consumer: Consumer;
    try {
      consumer = await this.#liveConsumer();
    } catch (error) {
      if (this.#closed) return []; // closed while connecting: nothing more to receive
      throw error;
    }
    return consumer.receive(max, deadline - Date.now());
  }

  /**
   * Rejects (DeliveriesLostError) for messages whose channel closed: RabbitMQ delivers those again; the
   * others are acknowledged.
   */
  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    const failures: unknown[] = [];
    for (const [consumer, tags] of byConsumer(messages)) {
      try {
        consumer.ack(tags);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  async release(messages: readonly ReceivedMessage[]): Promise<void> {
    for (const [consumer, tags] of byConsumer(messages)) consumer.release(tags);
  }

  /** pending: ready messages in the queue; inFlight: deliveries this transport holds unacknowledged. */
  async stats(): Promise<TransportStats> {
    this.#assertOpen();
    const { messageCount } = await this.#connection.withChannel((channel) =>
      channel.checkQueue(this.options.queue),
    );
    const consumer = await this.#consumer?.catch(() => undefined);
    return { pending: messageCount, inFlight: consumer?.held ?? 0 };
  }

  /**
   * Connection failures are routeperf's own errors already (unreachable, or refused: a configuration
   * mistake); what is left is read from the broker's reply code.
   */
  causeOf(error: unknown): ErrorCause {
    return causeOf(error, amqpErrorCause);
  }

  /** Closes the consumer (its unacknowledged deliveries go back to the queue), the publisher and the connection. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      const consumer = await this.#consumer?.catch(() => undefined);
      await consumer?.close(this.options.connectTimeout);
      await this.#publisher.close();
      await this.#connection.close();
    })();
    return this.#closing;
  }

  #assertOpen() {
    if (this.#closed) throw new Error(`the amqp transport ${this.description} is closed`);
  }

  /** The consumer, started now on first use or after its channel closed. */
  #liveConsumer(): Promise<Consumer> {
    const current = this.#consumer;
    if (current) {
      return current.then((consumer) => {
        if (!consumer.closed) return consumer;
        if (this.#consumer === current) this.#consumer = undefined;
        return this.#liveConsumer();
      });
    }
    const starting = Consumer.start(this.#connection, this.options, this.context.onBackgroundError);
    this.#consumer = starting;
    starting.catch(() => {
      if (this.#consumer === starting) this.#consumer = undefined;
    });
    return starting;
  }
}

function byConsumer(messages: readonly ReceivedMessage[]): Map<Consumer, number[]> {
  const groups = new Map<Consumer, number[]>();
  for (const message of messages) {
    const { consumer, deliveryTag } = message.handle as DeliveryHandle;
    const tags = groups.get(consumer) ?? [];
    tags.push(deliveryTag);
    groups.set(consumer, tags);
  }
  return groups;
}
