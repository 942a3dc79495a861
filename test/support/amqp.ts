import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { type Channel, type ChannelModel, connect } from 'amqplib';
import { afterEach } from 'vitest';
import type { Transport, TransportContext } from '../../src/bus/transport.js';
import { openTransport } from '../../src/bus/transports/index.js';
import { describeWithService, unreachable } from './databases.js';

export const AMQP_URL = process.env.ROUTEPERF_TEST_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672';
const broker = new URL(AMQP_URL);
export const AMQP_HOST = broker.hostname;
export const AMQP_PORT = Number(broker.port || 5672);

const reason = await unreachable(AMQP_HOST, AMQP_PORT);

/** Declares `fn`'s tests when RabbitMQ answers; otherwise skips them visibly (or fails in CI). */
export function describeWithRabbitMQ(name: string, fn: () => void) {
  describeWithService(name, 'RabbitMQ', reason, fn);
}

/** A queue name no other test uses. */
export function uniqueQueue(): string {
  return `routeperf-test-${randomBytes(5).toString('hex')}`;
}

/** The DSN of `queue` on the test broker (or through `port`, a proxy), with extra options. */
export function amqpDsn(queue: string, options: Record<string, string> = {}, port = AMQP_PORT): string {
  const url = new URL(AMQP_URL);
  url.port = String(port);
  url.searchParams.set('queue', queue);
  for (const [key, value] of Object.entries(options)) url.searchParams.set(key, value);
  return url.href;
}

export interface BackgroundErrors {
  errors: unknown[];
  context: TransportContext;
}

/** A transport context that keeps the background errors for the test to look at. */
export function backgroundErrors(): BackgroundErrors {
  const errors: unknown[] = [];
  return {
    errors,
    context: {
      database: 'sqlite::memory:',
      tablePrefix: 'unused_',
      consumerName: `test-${process.pid}`,
      onBackgroundError: (error) => errors.push(error),
    },
  };
}

/** Deletes queues and exchanges, those that exist, through a connection of its own. */
async function deleteAll(queues: string[], exchanges: string[]): Promise<void> {
  const model = await connect(AMQP_URL);
  model.on('error', () => {});
  try {
    const channel = await model.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await model.close();
  }
}

/**
 * Opens transports, and plain amqplib channels for the test's own look at the broker. After each test it
 * closes them, then deletes the queues and exchanges of every queue name it handed out, and nothing else.
 */
export function useAmqp() {
  let transports: Transport[] = [];
  let names: { queue: string; exchange?: string }[] = [];
  let admin: Promise<ChannelModel> | undefined;

  afterEach(async () => {
    const [opened, created, model] = [transports, names, admin];
    transports = [];
    names = [];
    admin = undefined;
    try {
      // A close that fails fails the test, once the queues are deleted all the same.
      for (const transport of opened) await transport.close();
    } finally {
      await (await model?.catch(() => undefined))?.close().catch(() => {});
      if (created.length > 0) {
        await deleteAll(
          created.flatMap(({ queue }) => [queue, `${queue}.failed`]),
          created.flatMap(({ queue, exchange }) => [`${queue}.dlx`, ...(exchange ? [exchange] : [])]),
        );
      }
    }
  });

  return {
    /** A channel of the test's own (a refused operation closes the channel it ran on: take a fresh one). */
    async rawChannel(): Promise<Channel> {
      admin ??= connect(AMQP_URL).then((model) => model.on('error', () => {}));
      const channel = await (await admin).createChannel();
      channel.on('error', () => {});
      return channel;
    },
    /** A queue name for this test (and the exchange it is published through, if any), deleted afterwards. */
    queue(exchange?: string): string {
      const queue = uniqueQueue();
      names.push({ queue, exchange });
      return queue;
    },
    /** A transport, closed after the test. */
    async open(dsn: string, context: TransportContext = backgroundErrors().context): Promise<Transport> {
      const transport = await openTransport(dsn, context);
      transports.push(transport);
      return transport;
    },
  };
}

/**
 * A loopback proxy to the broker whose `freeze()` stops forwarding in both directions while keeping the
 * sockets open: a broker (or network) that stops answering without closing anything.
 */
export class FreezingProxy {
  readonly #sockets = new Set<Socket>();
  #frozen = false;

  private constructor(readonly server: Server) {}

  static async start(): Promise<FreezingProxy> {
    let proxy: FreezingProxy | undefined;
    const server = createServer((client) => proxy!.#accept(client));
    proxy = new FreezingProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  freeze(): void {
    this.#frozen = true;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: Socket) {
    const upstream = tcpConnect({ host: AMQP_HOST, port: AMQP_PORT });
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (!this.#frozen) to.write(chunk);
      });
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  }
}
