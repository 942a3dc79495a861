import { RouteperfError } from '../../../errors.js';
import { describeDsn, dsnInteger, dsnString } from '../../dsn.js';
import { rejectUnknownOptions } from '../../dsn-options.js';
import { type TlsOptions, tlsOptionsOf } from '../../tls-options.js';

/** What an `amqp://` DSN asks for, validated. */
export interface AmqpOptions {
  /** The URL amqplib connects to: the DSN without routeperf's own options. */
  url: string;
  /** The durable queue messages wait in. */
  queue: string;
  /** Exchange messages are published to; '' publishes straight to the queue (the default exchange). */
  exchange: string;
  /** Where RabbitMQ puts messages rejected without requeue: a fanout exchange and the queue bound to it. */
  deadLetterExchange: string;
  failureQueue: string;
  queueType: 'classic' | 'quorum';
  /** Deliveries RabbitMQ sends ahead of the acknowledgements; at least the worker's batch size. */
  prefetch: number;
  /** Longest wait (ms) for the TCP connection and the AMQP handshake. */
  connectTimeout: number;
  /** Longest wait (ms) for the broker to confirm a send. */
  sendTimeout: number;
  /** `amqps://`: TLS, with the DSN's CA if it names one. */
  tls: TlsOptions | undefined;
  description: string;
}

/** Options routeperf reads; removed from the URL handed to amqplib. */
const OWN_KEYS = [
  'queue',
  'exchange',
  'queueType',
  'prefetch',
  'connectTimeout',
  'sendTimeout',
  'ca',
  'servername',
];
/** Options amqplib reads from the URL itself (connection tuning); passed through. */
const AMQPLIB_KEYS = ['heartbeat', 'frameMax', 'channelMax', 'locale', 'maxFrameSize'];
const QUEUE_TYPES = ['classic', 'quorum'] as const;

/**
 * `amqp://user:pass@host:5672/vhost?queue=routeperf&prefetch=1000&exchange=&queueType=classic
 * &connectTimeout=3000&sendTimeout=10000&heartbeat=30`. The vhost is the path, percent-encoded
 * (`/%2F` is the vhost `/`, also the default when the path is empty).
 */
export function amqpOptions(dsn: URL): AmqpOptions {
  rejectUnknownOptions(dsn, { known: OWN_KEYS, passedOn: AMQPLIB_KEYS });
  const queue = resourceName(dsn, 'queue', 'routeperf');
  const exchange = dsn.searchParams.has('exchange') ? resourceName(dsn, 'exchange', '') : '';
  if (dsn.searchParams.has('heartbeat')) dsnInteger(dsn, 'heartbeat', 0, 0);
  const url = new URL(dsn.href);
  for (const key of OWN_KEYS) url.searchParams.delete(key);
  const described = new URL(dsn.href);
  described.searchParams.set('queue', queue);
  return {
    url: url.href,
    queue,
    exchange,
    deadLetterExchange: `${queue}.dlx`,
    failureQueue: `${queue}.failed`,
    queueType: queueType(dsn),
    prefetch: dsnInteger(dsn, 'prefetch', 1000),
    connectTimeout: dsnInteger(dsn, 'connectTimeout', 3000),
    sendTimeout: dsnInteger(dsn, 'sendTimeout', 10_000),
    tls: tlsOptionsOf(dsn, 'amqps:'),
    description: describeDsn(described),
  };
}

/**
 * A queue or exchange name: room is left for the `.failed` and `.dlx` suffixes within AMQP's 255 bytes,
 * and `amq.` names belong to the broker.
 */
function resourceName(dsn: URL, key: string, fallback: string): string {
  const name = dsnString(dsn, key, fallback);
  if (Buffer.byteLength(name) > 200 || name.startsWith('amq.')) {
    throw invalid(
      dsn,
      key,
      `expected a name of at most 200 bytes not starting with "amq.", got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

function queueType(dsn: URL): AmqpOptions['queueType'] {
  const raw = dsnString(dsn, 'queueType', 'classic');
  const found = QUEUE_TYPES.find((type) => type === raw);
  if (!found)
    throw invalid(dsn, 'queueType', `expected ${QUEUE_TYPES.join(' or ')}, got ${JSON.stringify(raw)}`);
  return found;
}

function invalid(dsn: URL, key: string, problem: string): RouteperfError {
  return new RouteperfError('ROUTEPERF_CONFIG_INVALID', `transport ${dsn.protocol}// ${key}: ${problem}`);
}
