import { type CauseClassifier, type ErrorCause, RouteperfError } from '../../../errors.js';

/**
 * amqplib's messages when the broker answered and said no (bad credentials, unknown vhost): retrying
 * cannot help, unlike with every other connection failure.
 */
const REFUSED = /^Handshake terminated by server|^Expected ConnectionOpenOk/;

/**
 * The AMQP reply codes with which RabbitMQ closes a channel over what it was asked, when they say what is
 * wrong; amqplib puts them on its error as a numeric `code`.
 */
const CAUSE_OF_REPLY_CODE: Readonly<Record<number, ErrorCause>> = {
  // ACCESS_REFUSED: the user lacks a permission on the vhost's queue or exchange.
  403: 'config',
  // NOT_FOUND: the queue does not exist where the DSN points (setup() declares it).
  404: 'config',
};

/**
 * The broker could not route messages: the queue or the exchange is missing (deleted since setup). Sending
 * them again succeeds, since the transport declares the queue again first, so it counts as unreachable,
 * like a database whose tables are missing.
 */
export class UnroutableError extends Error {
  override readonly name = 'UnroutableError';
}

/** amqplib's reading of an error: what its broker's reply code says, undefined when it is not amqplib's. */
export const amqpErrorCause: CauseClassifier = (error) => {
  if (error instanceof UnroutableError) return 'unreachable';
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? CAUSE_OF_REPLY_CODE[code] : undefined;
};

/**
 * RabbitMQ could not be reached, or the connection dropped during the call: the same call may succeed
 * once the broker is back (the next call reconnects).
 */
export function unreachable(message: string, cause?: unknown): RouteperfError {
  if (cause === undefined) return new RouteperfError('ROUTEPERF_TRANSPORT_UNREACHABLE', message);
  const reason = (cause as Error)?.message ?? String(cause);
  return new RouteperfError('ROUTEPERF_TRANSPORT_UNREACHABLE', `${message}: ${reason}`, { cause });
}

/** What connecting to `description` failed with: a refusal by the broker, or the broker out of reach. */
export function connectionFailure(description: string, error: unknown): RouteperfError {
  const message = (error as Error)?.message;
  if (REFUSED.test(String(message))) {
    return new RouteperfError(
      'ROUTEPERF_TRANSPORT_REFUSED',
      `RabbitMQ refused the connection to ${description} (check the user, the password and the vhost): ${message}`,
      { cause: error },
    );
  }
  return unreachable(`cannot connect to ${description}`, error);
}
