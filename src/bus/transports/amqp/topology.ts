import type { Channel } from 'amqplib';
import { RouteperfError } from '../../../errors.js';
import type { AmqpOptions } from './options.js';

/** AMQP reply code for a declaration that contradicts what exists (other arguments, another type). */
const PRECONDITION_FAILED = 406;

/**
 * Declares the queue, its dead-letter exchange and the failure queue bound to it, and the publishing
 * exchange when there is one. Declaring what exists with the same arguments is a no-op, so this runs at
 * every start; declaring it with other arguments is refused, with a message that says what to do.
 */
export async function declareTopology(channel: Channel, options: AmqpOptions): Promise<void> {
  // Classic is the broker's default: left implicit, so queues declared before the option existed still match.
  const queueArguments = options.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
  try {
    await channel.assertExchange(options.deadLetterExchange, 'fanout', { durable: true });
    await channel.assertQueue(options.failureQueue, { durable: true, arguments: queueArguments });
    await channel.bindQueue(options.failureQueue, options.deadLetterExchange, '');
    await channel.assertQueue(options.queue, {
      durable: true,
      deadLetterExchange: options.deadLetterExchange,
      arguments: queueArguments,
    });
    if (options.exchange) {
      await channel.assertExchange(options.exchange, 'direct', { durable: true });
      await channel.bindQueue(options.queue, options.exchange, options.queue);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code !== PRECONDITION_FAILED) throw error;
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_INVALID',
      `transport amqp:// queue: RabbitMQ already has the queue ${JSON.stringify(options.queue)} (or its exchanges) with other settings (${(error as Error).message}). Choose another name with ?queue=, or delete the old one (rabbitmqctl delete_queue) once it is drained.`,
      { cause: error },
    );
  }
}
