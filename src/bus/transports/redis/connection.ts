import type { Cluster, Redis } from 'ioredis';
import { causeOf, type ErrorCause } from '../../../errors.js';
import type { RedisTransportOptions } from './options.js';

/** ioredis's client classes: one server, or a Redis Cluster. */
export interface RedisClasses {
  Redis: typeof Redis;
  Cluster: typeof Cluster;
}

/**
 * Longest wait for the reply to a command that does not block, queueing for a connection included: past
 * it the call rejects. The producer keeps its buffer and retries with its own backoff, so failing fast
 * beats waiting for a server that accepted the connection and went silent.
 */
const COMMAND_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
const MAX_RECONNECT_DELAY_MS = 1000;

/** A command got no reply because Redis could not be reached, not because Redis refused it. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
  /** The socket error's code (ECONNREFUSED…), when the connection met one. */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }
}

/** Redis's refusals that say the server cannot take writes now, by the first word of the reply. */
const REPLY_CAUSES: Record<string, ErrorCause> = {
  OOM: 'overloaded',
  BUSY: 'overloaded',
  READONLY: 'readOnly',
  LOADING: 'unreachable',
  MASTERDOWN: 'unreachable',
  TRYAGAIN: 'overloaded',
};

/** The cause of an error of this transport: unreachable, or what Redis's refusal says (see ErrorCause). */
export function redisErrorCause(error: unknown): ErrorCause {
  return causeOf(error, (cause) => {
    if (cause instanceof RedisUnreachableError) return 'unreachable';
    if (!(cause instanceof Error) || cause.name !== 'ReplyError') return undefined;
    return REPLY_CAUSES[cause.message.split(' ', 1)[0]!] ?? 'badMessage';
  });
}

/**
 * The transport's two connections. `commands` sends, acknowledges, claims and reads statistics; `reads`
 * only waits in XREADGROUP BLOCK, so that a worker waiting for messages never holds up a send or an
 * acknowledgement queued behind it. Both open at their first command, not before: creating a transport
 * never fails, even with Redis down.
 */
export class RedisConnections {
  readonly commands: Redis;
  readonly reads: Redis;
  readonly #address: string;
  #lastSocketError: (Error & { code?: string }) | undefined;

  constructor(
    RedisClient: RedisClasses,
    options: RedisTransportOptions,
    onBackgroundError: (error: unknown) => void,
  ) {
    this.#address = `${options.host}:${options.port}`;
    this.commands = this.#open(RedisClient, options, 'commands', { commandTimeout: COMMAND_TIMEOUT_MS });
    // A blocked read gives up this long after its BLOCK time, should the reply never come.
    this.reads = this.#open(RedisClient, options, 'reads', {
      blockingTimeout: COMMAND_TIMEOUT_MS,
      blockingTimeoutGrace: COMMAND_TIMEOUT_MS,
    });
    for (const client of [this.commands, this.reads]) {
      client.on('error', (error: Error) => {
        this.#lastSocketError = error;
      });
      reportOncePerOutage(client, onBackgroundError);
    }
  }

  #open(
    classes: RedisClasses,
    options: RedisTransportOptions,
    role: 'commands' | 'reads',
    timeouts: { commandTimeout?: number; blockingTimeout?: number; blockingTimeoutGrace?: number },
  ): Redis {
    const connection = {
      username: options.username,
      password: options.password,
      ...(options.tls && { tls: options.tls }),
      // Shown by CLIENT LIST, to tell workers apart; CLIENT SETNAME refuses spaces.
      connectionName: `routeperf:${options.consumer}:${role}`.replace(/\s/g, '_'),
      // The replies parsed here have the same shape in RESP2 on every server and proxy, without a HELLO.
      protocol: 2 as const,
      connectTimeout: CONNECT_TIMEOUT_MS,
      ...timeouts,
    };
    // A command queued while the server is unreachable fails after one more connection attempt,
    // instead of the default twenty: the callers retry with their own backoff. Attempts at most a
    // second apart (not ioredis's five) keep that wait short all through an outage.
    const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);
    if (!options.cluster) {
      return new classes.Redis({
        host: options.host,
        port: options.port,
        db: options.db,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        retryStrategy,
        ...connection,
      });
    }
    // Every command of the transport names the stream's key alone (pipelines and MULTI included), so the
    // cluster sends each one to the node that holds the key's slot. A cluster client has the same
    // commands as a single server's, which is all this transport uses of it.
    const seeds = [{ host: options.host, port: options.port }, ...options.cluster.nodes];
    return new classes.Cluster(seeds, {
      lazyConnect: true,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...connection, maxRetriesPerRequest: 1 },
    }) as unknown as Redis;
  }

  /**
   * The error a call should throw: Redis's own refusals (reply errors: NOGROUP, OOM…) as they are, any
   * other failure as a RedisUnreachableError that says so, instead of ioredis's "Reached the max
   * retries per request limit", and carries the socket error's code.
   */
  failure(error: unknown): unknown {
    if (!(error instanceof Error) || error.name === 'ReplyError') return error;
    const socketError = this.#lastSocketError;
    const reason = socketError ? `${socketError.message}; ${error.message}` : error.message;
    return new RedisUnreachableError(
      `Redis at ${this.#address} cannot be reached: ${reason}`,
      socketError?.code,
      error,
    );
  }

  /**
   * Stops the blocking reads at once, runs `beforeQuit` while the command connection is still up (and
   * only if it is), then closes it after the replies to what was sent on it.
   */
  async close(beforeQuit: () => Promise<void>): Promise<void> {
    this.reads.disconnect();
    if (this.commands.status !== 'ready') {
      // Never connected (it must not connect now), or Redis is out of reach (nothing to wait for).
      this.commands.disconnect();
      return;
    }
    await beforeQuit().catch(() => {});
    await this.commands.quit().catch(() => this.commands.disconnect());
  }
}

/**
 * ioredis emits 'error' at every failed reconnection attempt, every second for as long as Redis is down;
 * one report per outage is what a log needs. Without a listener ioredis would print each one itself.
 */
function reportOncePerOutage(client: Redis, report: (error: unknown) => void) {
  let reported = false;
  client.on('error', (error: unknown) => {
    if (reported) return;
    reported = true;
    report(error);
  });
  client.on('ready', () => {
    reported = false;
  });
}
