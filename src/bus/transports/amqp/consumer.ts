import type { Channel, ConsumeMessage } from 'amqplib';
import type { ReceivedMessage } from '../../transport.js';
import { BatchBuffer } from './batch-buffer.js';
import { type AmqpConnection, closeWithin } from './connection.js';
import type { AmqpOptions } from './options.js';

/**
 * How long without a new delivery ends a partial batch. RabbitMQ streams up to `prefetch` deliveries
 * back to back, so a gap this long means the queue has nothing more for now.
 */
const QUIET_MS = 20;

/**
 * The deliveries' channel closed, and RabbitMQ requeued them. Not an outage to wait out: their delivery
 * tags died with the channel, so acknowledging them again can never succeed; they come again instead.
 */
export class DeliveriesLostError extends Error {
  override readonly name = 'DeliveriesLostError';
}

/** What a ReceivedMessage carries to be acknowledged: the consumer it came through and its delivery. */
export interface DeliveryHandle {
  consumer: Consumer;
  deliveryTag: number;
}

/**
 * One consumer on its own channel, with manual acknowledgements. Deliveries wait in a buffer until the
 * worker takes them; those taken are outstanding until acknowledged or released. When the channel closes
 * (connection lost, broker shutdown) RabbitMQ requeues all of them: the buffer is dropped and later
 * acknowledgements fail, since pretending they worked would hide that the messages come again.
 */
export class Consumer {
  readonly #buffer = new BatchBuffer<ConsumeMessage>(QUIET_MS);
  /** Deliveries handed to the worker and not yet settled, by delivery tag. */
  readonly #outstanding = new Map<number, ConsumeMessage>();
  #closed = false;
  #closeReason = 'the channel closed';

  private constructor(private readonly channel: Channel) {}

  /** Opens a channel and starts consuming `options.queue` with `options.prefetch` deliveries ahead. */
  static async start(
    connection: AmqpConnection,
    options: AmqpOptions,
    onBackgroundError: (error: unknown) => void,
  ): Promise<Consumer> {
    let consumer: Consumer | undefined;
    let started = false;
    const channel = await connection.channel((error) => {
      if (consumer) consumer.#closeReason = `RabbitMQ closed the channel: ${error.message}`;
      // Before the consumer started, the refusal reaches the caller as start()'s rejection.
      if (started) onBackgroundError(error);
    });
    consumer = new Consumer(channel);
    channel.on('close', () => consumer.#onClose());
    // Per consumer (not global): the deliveries RabbitMQ may push before the first acknowledgement.
    await connection.guard(channel.prefetch(options.prefetch));
    await connection.guard(
      channel.consume(
        options.queue,
        (message) => {
          if (consumer.#closed) return; // arrived while closing: requeued with the channel
          if (message) consumer.#buffer.push(message);
          else consumer.#onCancelled(options.queue, onBackgroundError);
        },
        { noAck: false },
      ),
    );
    started = true;
    return consumer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Deliveries RabbitMQ counts as unacknowledged on this consumer: buffered and outstanding. */
  get held(): number {
    return this.#closed ? 0 : this.#buffer.size + this.#outstanding.size;
  }

  /** Up to `max` deliveries, waiting at most `waitMs` (see BatchBuffer.fill); [] once the channel closed. */
  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    if (!this.#closed) await this.#buffer.fill(max, waitMs);
    return this.#buffer.take(max).map((message) => {
      this.#outstanding.set(message.fields.deliveryTag, message);
      const handle: DeliveryHandle = { consumer: this, deliveryTag: message.fields.deliveryTag };
      return { body: message.content.toString('utf8'), handle, redeliveries: redeliveriesOf(message) };
    });
  }

  ack(tags: readonly number[]): void {
    const messages = this.#settling(tags, 'acknowledge');
    if (this.#outstanding.size === 0) {
      // Every outstanding delivery is in the list, and the buffered ones came later with higher tags:
      // one frame acknowledges all up to the highest tag, and only those.
      this.channel.ack(highest(messages), true);
    } else {
      for (const message of messages) this.channel.ack(message);
    }
  }

  /** Requeues the deliveries. After the channel closed there is nothing to do: RabbitMQ requeued them. */
  release(tags: readonly number[]): void {
    if (this.#closed) return;
    const messages = this.#settling(tags, 'release');
    if (this.#outstanding.size === 0) {
      this.channel.nack(highest(messages), true, true);
    } else {
      for (const message of messages) this.channel.nack(message, false, true);
    }
  }

  /**
   * Closes the channel, which cancels the consumer and requeues every delivery not acknowledged. A broker
   * that stopped answering is given `timeoutMs`; closing the connection then finishes the job.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#onClose();
    await closeWithin(this.channel, timeoutMs);
  }

  /**
   * Takes `tags` out of the outstanding deliveries, after checking them all: a tag settled twice would
   * make RabbitMQ close the channel (PRECONDITION_FAILED) and requeue every other delivery with it.
   */
  #settling(tags: readonly number[], verb: string): ConsumeMessage[] {
    if (this.#closed) {
      throw new DeliveriesLostError(
        `cannot ${verb} ${tags.length} message(s): ${this.#closeReason}, so RabbitMQ delivers them again`,
      );
    }
    const unique = [...new Set(tags)];
    const unknown = unique.filter((tag) => !this.#outstanding.has(tag));
    if (unknown.length > 0) {
      throw new Error(
        `cannot ${verb} deliveries ${unknown.join(', ')}: already acknowledged or released, or never received`,
      );
    }
    return unique.map((tag) => {
      const message = this.#outstanding.get(tag)!;
      this.#outstanding.delete(tag);
      return message;
    });
  }

  #onClose() {
    this.#closed = true;
    this.#buffer.clear();
    this.#outstanding.clear();
  }

  /** RabbitMQ cancels a consumer whose queue was deleted: this channel is done, the next call starts over. */
  #onCancelled(queue: string, onBackgroundError: (error: unknown) => void) {
    this.#closeReason = `RabbitMQ cancelled the consumer of ${JSON.stringify(queue)} (queue deleted?)`;
    onBackgroundError(new Error(this.#closeReason));
    void this.close(0);
  }
}

/**
 * Deliveries before this one. Quorum queues count them (`x-delivery-count`); classic queues only flag a
 * redelivery, which counts as one.
 */
function redeliveriesOf(message: ConsumeMessage): number {
  const count = Number(message.properties.headers?.['x-delivery-count']);
  if (Number.isInteger(count) && count > 0) return count;
  return message.fields.redelivered ? 1 : 0;
}

function highest(messages: ConsumeMessage[]): ConsumeMessage {
  return messages.reduce((top, message) =>
    message.fields.deliveryTag > top.fields.deliveryTag ? message : top,
  );
}
