import { expect, it, vi } from 'vitest';
import type { ReceivedMessage, Transport } from '../../../src/bus/transport.js';
import { openTransport } from '../../../src/bus/transports/index.js';
import { isOutageCause } from '../../../src/errors.js';
import { encodeRecord } from '../../../src/record/envelope.js';
import {
  AMQP_HOST,
  AMQP_PORT,
  amqpDsn,
  backgroundErrors,
  describeWithRabbitMQ,
  FreezingProxy,
  uniqueQueue,
  useAmqp,
} from '../../support/amqp.js';
import { deferAfterEach } from '../../support/cleanup.js';
import { requestMetrics } from '../../support/metrics.js';
import { closedPort } from '../../support/reachability.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { receiveAll } from '../receive-all.js';

/**
 * Receives until `count` messages came (each batch at most `max`), failing if the queue dries up first.
 * With `ack`, each batch is acknowledged as it comes, as a worker does, freeing the prefetch window.
 */
async function drain(
  transport: Transport,
  count: number,
  max = 500,
  { ack = false } = {},
): Promise<ReceivedMessage[][]> {
  const batches: ReceivedMessage[][] = [];
  let received = 0;
  while (received < count) {
    const batch = await transport.receive(max, 2000);
    if (batch.length === 0) throw new Error(`only ${received} of ${count} messages arrived`);
    if (ack) await transport.ack(batch);
    batches.push(batch);
    received += batch.length;
  }
  return batches;
}

/** A message basic.get returned; it answers false when the queue is empty. */
function present<T>(message: T | false): T {
  if (message === false) throw new Error('the queue is empty');
  return message;
}

const bodies = (messages: readonly ReceivedMessage[]) => messages.map((message) => message.body);
const numbered = (count: number, prefix = 'm') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describeWithRabbitMQ('amqp transport', () => {
  const amqp = useAmqp();
  const defer = deferAfterEach();

  it('delivers what was sent, and nothing more once acknowledged', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await transport.send(['one', 'two', 'three']);

    const received = await transport.receive(10, 2000);
    expect(bodies(received)).toEqual(['one', 'two', 'three']);
    expect(received.map((message) => message.redeliveries)).toEqual([0, 0, 0]);
    await transport.ack(received);
    await transport.close();

    const next = await amqp.open(amqpDsn(queue));
    expect(await next.receive(10, 200)).toEqual([]);
    expect(await next.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('keeps every body byte for byte', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    const sent = [
      encodeRecord(requestMetrics({ route: '/caf\u00e9/:id', path: '/caf\u00e9/1?q=\u{1F680}' })),
      'plain text, not JSON',
      '{"emoji":"\u{1F600}","escapes":"\\u2028\\n\\"","nul":"\\u0000"}',
      '\u2028\u2029 line separators, \u00a0 and \u{10FFFF}',
      'x'.repeat(300_000),
    ];
    await transport.send(sent);
    const { messages } = await receiveAll(transport, sent.length);
    expect(bodies(messages)).toEqual(sent);
  });

  it('publishes persistent JSON messages named by their envelope id', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    const metrics = requestMetrics();
    await transport.send([encodeRecord(metrics), 'not an envelope']);

    const channel = await amqp.rawChannel();
    const first = present(await channel.get(queue, { noAck: true }));
    const second = present(await channel.get(queue, { noAck: true }));
    expect(first.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      messageId: metrics.id,
    });
    expect(second.properties.messageId).toBeUndefined();
  });

  it('receives 1200 messages in batches of at most 500', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    const sent = numbered(1200);
    for (let i = 0; i < sent.length; i += 500) await transport.send(sent.slice(i, i + 500));

    const batches = await drain(transport, 1200, 500, { ack: true });
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(500);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(bodies(batches.flat()).sort()).toEqual([...sent].sort());
    expect(await transport.receive(500, 200)).toEqual([]);
  });

  it('delivers again what a consumer received and closed without acknowledging', async () => {
    const queue = amqp.queue();
    const producer = await amqp.open(amqpDsn(queue));
    await producer.setup();
    await producer.send(numbered(5));

    const crashed = await amqp.open(amqpDsn(queue));
    const first = await drain(crashed, 5, 10);
    expect(first.flat().every((message) => message.redeliveries === 0)).toBe(true);
    await crashed.close();

    const next = await amqp.open(amqpDsn(queue));
    const again = (await drain(next, 5, 10)).flat();
    expect(bodies(again).sort()).toEqual(numbered(5).sort());
    expect(again.every((message) => message.redeliveries >= 1)).toBe(true);
    await next.ack(again);
  });

  it('requeues released messages', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await transport.send(['a', 'b', 'c']);

    const received = await transport.receive(3, 2000);
    expect(bodies(received)).toEqual(['a', 'b', 'c']);
    await transport.release(received);

    const again = (await drain(transport, 3, 3)).flat();
    expect(bodies(again).sort()).toEqual(['a', 'b', 'c']);
    expect(again.every((message) => message.redeliveries >= 1)).toBe(true);
    await transport.ack(again);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('acknowledges only the messages given, whatever their order', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await transport.send(numbered(6));
    const received = (await drain(transport, 6, 6)).flat();
    await transport.ack([received[5]!, received[2]!, received[3]!]);
    await transport.close();

    const next = await amqp.open(amqpDsn(queue));
    const left = (await drain(next, 3, 10)).flat();
    expect(bodies(left).sort()).toEqual(['m0', 'm1', 'm4']);
    await next.ack(left);
    expect(await next.receive(10, 200)).toEqual([]);
  });

  it('refuses to settle a delivery twice, without losing the channel', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await transport.send(['a', 'b']);
    const [a, b] = await drain(transport, 2, 2).then((batches) => batches.flat());
    await transport.ack([a!]);
    await expect(transport.ack([a!])).rejects.toThrow(/already acknowledged or released/);
    await expect(transport.release([a!])).rejects.toThrow(/already acknowledged or released/);
    await transport.ack([b!]);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('shares a queue between two consumers, each message going to one of them', async () => {
    const queue = amqp.queue();
    const producer = await amqp.open(amqpDsn(queue));
    await producer.setup();
    const consumers = [
      await amqp.open(amqpDsn(queue, { prefetch: '50' })),
      await amqp.open(amqpDsn(queue, { prefetch: '50' })),
    ];
    // Both consumers are registered before anything is sent, so RabbitMQ deals to both.
    for (const consumer of consumers) expect(await consumer.receive(10, 50)).toEqual([]);
    const sent = numbered(600);
    await producer.send(sent.slice(0, 300));
    await producer.send(sent.slice(300));

    const got: string[][] = [[], []];
    const consume = async (index: number) => {
      const consumer = consumers[index]!;
      while (got[0]!.length + got[1]!.length < sent.length) {
        const batch = await consumer.receive(50, 300);
        got[index]!.push(...bodies(batch));
        await consumer.ack(batch);
      }
    };
    await Promise.all([consume(0), consume(1)]);
    expect([...got[0]!, ...got[1]!].sort()).toEqual([...sent].sort());
    expect(got[0]!.length).toBeGreaterThan(0);
    expect(got[1]!.length).toBeGreaterThan(0);
  });

  it('counts messages waiting in the queue and deliveries held unacknowledged', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue, { prefetch: '4' }));
    await transport.setup();
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    await transport.send(numbered(10));
    expect(await transport.stats()).toEqual({ pending: 10, inFlight: 0 });

    const received = await drain(transport, 4, 4).then((batches) => batches.flat());
    expect(await transport.stats()).toEqual({ pending: 6, inFlight: 4 });
    await transport.ack(received.slice(0, 2));
    // Two acknowledgements free two places in the prefetch window: RabbitMQ fills them.
    await vi.waitFor(async () => expect(await transport.stats()).toEqual({ pending: 4, inFlight: 4 }));
  });

  it('keeps messages rejected without requeue in the failure queue', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await transport.send(['poison', 'fine']);

    const channel = await amqp.rawChannel();
    const poison = present(await channel.get(queue));
    expect(poison.content.toString()).toBe('poison');
    channel.nack(poison, false, false);

    const dead = await vi.waitFor(async () => {
      const message = await channel.get(`${queue}.failed`, { noAck: true });
      if (!message) throw new Error('not dead-lettered yet');
      return message;
    });
    expect(dead.content.toString()).toBe('poison');
    expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ reason: 'rejected', queue });
    expect(bodies(await transport.receive(10, 2000))).toEqual(['fine']);
  });

  it('sets up again without complaint, and says what to do when the queue exists with other settings', async () => {
    const queue = amqp.queue();
    const first = await amqp.open(amqpDsn(queue));
    await first.setup();
    await first.setup();
    await (await amqp.open(amqpDsn(queue))).setup();

    const other = amqp.queue();
    await (await amqp.rawChannel()).assertQueue(other, { durable: false });
    const mismatched = await amqp.open(amqpDsn(other));
    await expect(mismatched.setup()).rejects.toMatchObject({
      code: 'ROUTEPERF_CONFIG_INVALID',
      message: expect.stringMatching(
        /already has the queue .* with other settings.*inequivalent arg 'durable'/,
      ),
    });
  });

  it('publishes through a named exchange bound to the queue', async () => {
    const exchange = `${uniqueQueue()}-in`;
    const queue = amqp.queue(exchange);
    const transport = await amqp.open(amqpDsn(queue, { exchange }));
    await transport.setup();
    await transport.send(['via exchange']);
    const received = await transport.receive(10, 2000);
    expect(bodies(received)).toEqual(['via exchange']);
    await transport.ack(received);
    await (await amqp.rawChannel()).checkExchange(exchange);
  });

  it('counts redeliveries from a quorum queue', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue, { queueType: 'quorum' }));
    await transport.setup();
    await transport.send(['q']);
    for (const expected of [0, 1, 2]) {
      const [message] = await drain(transport, 1, 1).then((batches) => batches.flat());
      expect(message).toMatchObject({ body: 'q', redeliveries: expected });
      await transport.release([message!]);
    }
  });

  it('rejects a send RabbitMQ cannot route, and declares the queue again for the next one', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await (await amqp.rawChannel()).deleteQueue(queue);

    await expect(transport.send(['lost'])).rejects.toThrow(/could not route messages to the queue/);
    await transport.send(['kept']);
    expect(bodies(await transport.receive(10, 2000))).toEqual(['kept']);
  });

  it('rejects receive when the queue does not exist, rather than waiting on nothing', async () => {
    const { errors, context } = backgroundErrors();
    const transport = await amqp.open(amqpDsn(amqp.queue()), context);
    await expect(transport.receive(10, 1000)).rejects.toThrow(/NOT_FOUND - no queue/);
    expect(errors).toEqual([]);
  });

  it('is created while RabbitMQ is unreachable, and rejects every call at once as an outage', async () => {
    const { errors, context } = backgroundErrors();
    const port = await closedPort();
    const transport = await openTransport(amqpDsn('nowhere', {}, port), context);
    defer(() => transport.close());

    const started = Date.now();
    const outage = { message: expect.stringMatching(/cannot connect to amqp:\/\/.*ECONNREFUSED/) };
    await expect(transport.send(['a'])).rejects.toMatchObject(outage);
    expect(Date.now() - started).toBeLessThan(2000);
    for (const call of [transport.setup(), transport.receive(10, 50), transport.stats()]) {
      const error = await call.then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toMatchObject(outage);
      // What the worker waits out with backoff, rather than stopping.
      expect(isOutageCause(transport.causeOf(error))).toBe(true);
    }
    expect(errors).toEqual([]);
  });

  it.each([
    ['a wrong password', 'amqp://guest:wrong@', /ACCESS_REFUSED/],
    ['an unknown vhost', 'amqp://guest:guest@', /Expected ConnectionOpenOk/, '/no-such-vhost'],
  ])('tells a refusal from an outage: %s', async (_, credentials, reason, vhost = '') => {
    const dsn = `${credentials}${AMQP_HOST}:${AMQP_PORT}${vhost}?queue=nowhere`;
    const transport = await amqp.open(dsn);
    const error = await transport.setup().then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toMatchObject({ message: expect.stringMatching(/RabbitMQ refused the connection/) });
    expect(String(error)).toMatch(reason);
    expect(isOutageCause(transport.causeOf(error))).toBe(false);
  });

  it('gives up connecting to a broker that never answers after connectTimeout', async () => {
    const silent = await FreezingProxy.start();
    defer(() => silent.close());
    silent.freeze();
    const transport = await amqp.open(amqpDsn('nowhere', { connectTimeout: '300' }, silent.port));
    await expect(transport.send(['a'])).rejects.toThrow(/cannot connect.*ETIMEDOUT/);
  });

  it('rejects a send RabbitMQ does not confirm within sendTimeout, and closes anyway', async () => {
    const queue = amqp.queue();
    const proxy = await FreezingProxy.start();
    defer(() => proxy.close());
    const transport = await amqp.open(
      amqpDsn(queue, { sendTimeout: '300', connectTimeout: '300' }, proxy.port),
    );
    await transport.setup();
    await transport.send(['before']);
    proxy.freeze();
    await expect(transport.send(['after'])).rejects.toThrow(/did not confirm 1 message\(s\) within 300 ms/);
    await transport.close();
  });

  it('fails acknowledgements after the connection dropped, and connects again at the next call', async () => {
    const queue = amqp.queue();
    const { errors, context } = backgroundErrors();
    const proxy = await TcpProxy.start({ host: AMQP_HOST, port: AMQP_PORT });
    defer(() => proxy.close());
    const transport = await amqp.open(amqpDsn(queue, {}, proxy.port), context);
    await transport.setup();
    await transport.send(['a', 'b']);
    const received = await drain(transport, 2, 2).then((batches) => batches.flat());

    proxy.cut();
    await vi.waitFor(() => expect(errors.map(String).join('\n')).toMatch(/connection to RabbitMQ failed/));
    await expect(transport.ack(received)).rejects.toThrow(
      /cannot acknowledge 2 message\(s\).*delivers them again/,
    );
    // Releasing them is already done: RabbitMQ requeued them with the channel.
    await transport.release(received);
    await expect(transport.send(['c'])).rejects.toThrow(/cannot connect/);
    // amqplib's "Socket closed abruptly" has no socket code: the outage is told by routeperf's own code.
    await expect(transport.receive(10, 50)).rejects.toMatchObject({
      code: 'ROUTEPERF_TRANSPORT_UNREACHABLE',
    });

    proxy.heal();
    await transport.send(['c']);
    const again = await drain(transport, 3, 10).then((batches) => batches.flat());
    expect(bodies(again).sort()).toEqual(['a', 'b', 'c']);
    expect(
      again
        .filter((message) => message.redeliveries >= 1)
        .map((m) => m.body)
        .sort(),
    ).toEqual(['a', 'b']);
    await transport.ack(again);
  });

  it('returns from receive once closed, and refuses calls afterwards', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    const waiting = transport.receive(10, 30_000);
    await transport.close();
    await transport.close();
    expect(await waiting).toEqual([]);
    await expect(transport.send(['late'])).rejects.toThrow(/closed/);
    await expect(transport.receive(1, 10)).rejects.toThrow(/closed/);
  });

  it('returns nothing from a receive still connecting when closed', async () => {
    const silent = await FreezingProxy.start();
    defer(() => silent.close());
    silent.freeze();
    const transport = await amqp.open(amqpDsn('nowhere', { connectTimeout: '300' }, silent.port));
    const waiting = transport.receive(10, 30_000);
    await transport.close();
    expect(await waiting).toEqual([]);
  });
});
