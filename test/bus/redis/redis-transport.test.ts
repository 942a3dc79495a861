import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../../src/bus/transport.js';
import { createTransport } from '../../../src/bus/transports/redis/index.js';
import { encodeRecord } from '../../../src/record/envelope.js';
import { requestMetrics } from '../../support/metrics.js';
import { closedPort } from '../../support/reachability.js';
import { describeWithRedis, testContext, useRedisStreams } from '../../support/redis.js';
import { receiveAll } from '../receive-all.js';

const numbered = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `message ${from + i}`);
const bodies = (messages: readonly ReceivedMessage[]) => messages.map((message) => message.body);

describeWithRedis('redis transport', () => {
  const redis = useRedisStreams();
  afterAll(() => redis.close());

  it('delivers what was sent, in order, and forgets it once acknowledged', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.setup();
    await transport.send(['a', 'b', 'c']);
    expect(await redis.admin.xlen(stream)).toBe(1); // sent together: one entry
    const received = await transport.receive(10, 1000);
    expect(bodies(received)).toEqual(['a', 'b', 'c']);
    expect(received.map((message) => message.redeliveries)).toEqual([0, 0, 0]);
    await transport.ack(received);
    expect(await redis.admin.xlen(stream)).toBe(0);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(await transport.receive(10, 50)).toEqual([]);
  });

  it('keeps every message byte for byte', async () => {
    const transport = await redis.open(redis.stream());
    const sent = [
      encodeRecord(requestMetrics({ route: '/crème/brûlée/:id', userId: 'ユーザー' })),
      'emoji 🚀 and a lone-looking escape \\ud83d',
      'line\nbreaks\r\nand\ttabs and a NUL \u0000 inside',
      '',
      '"quoted" {"json": [1, 2, 3]}',
      'm',
      'x'.repeat(200_000),
      'ü'.repeat(70_000),
    ];
    await transport.setup();
    await transport.send(sent);
    const { messages } = await receiveAll(transport, sent.length);
    expect(bodies(messages)).toEqual(sent);
    for (const [i, body] of bodies(messages).entries())
      expect(Buffer.from(body, 'utf8').equals(Buffer.from(sent[i]!, 'utf8'))).toBe(true);
  });

  it('hands out large backlogs in batches of at most the size asked for', async () => {
    const transport = await redis.open(redis.stream());
    await transport.setup();
    const sent = numbered(1200);
    for (let i = 0; i < sent.length; i += 500) await transport.send(sent.slice(i, i + 500));
    const { messages, batches } = await receiveAll(transport, 1200);
    expect(bodies(messages)).toEqual(sent);
    expect(batches).toEqual([500, 500, 200]);
  });

  it('never blocks when asked not to wait, and gives nothing when asked for nothing', async () => {
    const transport = await redis.open(redis.stream());
    await transport.setup();
    expect(await transport.receive(10, 0)).toEqual([]);
    await transport.send(['one']);
    expect(await transport.receive(0, 1000)).toEqual([]);
    expect(bodies(await transport.receive(10, 0))).toEqual(['one']);
  });

  it("lets another consumer take over a crashed consumer's messages after the redelivery timeout", async () => {
    const stream = redis.stream();
    const crashed = await redis.open(stream, 'consumer=crashed');
    await crashed.setup();
    await crashed.send(numbered(20));
    expect(bodies(await crashed.receive(50, 1000))).toEqual(numbered(20));
    await crashed.close(); // without acknowledging: what a crash leaves behind
    expect((await redis.admin.xpending(stream, 'routeperf'))[0]).toBe(1); // 20 messages sent together

    const survivor = await redis.open(stream, 'consumer=survivor&redeliveryTimeout=200');
    const { messages } = await receiveAll(survivor, 20);
    expect(bodies(messages)).toEqual(numbered(20));
    expect(messages.every((message) => message.redeliveries >= 1)).toBe(true);
    expect(await survivor.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('does not take over messages before the redelivery timeout', async () => {
    const stream = redis.stream();
    const busy = await redis.open(stream, 'consumer=busy');
    await busy.setup();
    await busy.send(numbered(5));
    expect(await busy.receive(50, 1000)).toHaveLength(5);
    const other = await redis.open(stream, 'consumer=other&redeliveryTimeout=60000');
    expect(await other.receive(50, 200)).toEqual([]);
    expect(await other.stats()).toEqual({ pending: 0, inFlight: 1 }); // one entry of 5 messages
  });

  it('does not deliver again what it holds, even past the redelivery timeout', async () => {
    const transport = await redis.open(redis.stream(), 'consumer=slow&redeliveryTimeout=100');
    await transport.setup();
    await transport.send(numbered(5));
    const held = await transport.receive(10, 1000);
    expect(held).toHaveLength(5);
    // Storing takes longer than the timeout (a slow or unreachable store): the entries are idle enough
    // for XAUTOCLAIM, but this consumer has them in hand.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await transport.receive(10, 200)).toEqual([]);
    await transport.ack(held);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('gives a restarted consumer its own unacknowledged messages back at once', async () => {
    const stream = redis.stream();
    const before = await redis.open(stream, 'consumer=worker-1');
    await before.setup();
    await before.send(numbered(10));
    expect(await before.receive(50, 1000)).toHaveLength(10);
    await before.close();

    // Same consumer name, default 60 s redelivery timeout: only the re-read of its own pending list can
    // deliver these now, and it must not wait for anything new.
    const after = await redis.open(stream, 'consumer=worker-1');
    const again = await after.receive(50, 0);
    expect(bodies(again)).toEqual(numbered(10));
    expect(again.map((message) => message.redeliveries)).toEqual(Array(10).fill(1));
    await after.ack(again);
    expect(await after.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('skips pending entries that left the stream meanwhile, and clears them from the pending list', async () => {
    const stream = redis.stream();
    const before = await redis.open(stream, 'consumer=worker-2');
    await before.setup();
    for (const message of numbered(5)) await before.send([message]); // an entry each
    expect(await before.receive(50, 1000)).toHaveLength(5);
    await before.close();
    const ids = (await redis.admin.xrange(stream, '-', '+')).map(([id]) => id);
    await redis.admin.xdel(stream, ids[1]!, ids[3]!);

    const after = await redis.open(stream, 'consumer=worker-2');
    expect(bodies(await after.receive(50, 0))).toEqual(['message 0', 'message 2', 'message 4']);
    expect((await redis.admin.xpending(stream, 'routeperf'))[0]).toBe(3);
  });

  it('makes released messages available again at once, counting the redelivery', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream, 'consumer=releaser');
    await transport.setup();
    await transport.send(numbered(5));
    const first = await transport.receive(50, 1000);
    await transport.release(first);
    const second = await transport.receive(50, 0);
    expect(bodies(second)).toEqual(numbered(5));
    expect(second.every((message) => message.redeliveries === 1)).toBe(true);

    // Released while shutting down: another consumer, same (60 s) timeout, takes them without waiting.
    await transport.release(second);
    await transport.close();
    const other = await redis.open(stream, 'consumer=other');
    const third = await other.receive(50, 0);
    expect(bodies(third)).toEqual(numbered(5));
    expect(third.every((message) => message.redeliveries === 2)).toBe(true);
  });

  it('never delivers a message to two consumers of the group', async () => {
    const stream = redis.stream();
    const producer = await redis.open(stream, 'consumer=producer');
    await producer.setup();
    for (let i = 0; i < 1000; i += 500) await producer.send(numbered(500, i));
    const taken: Record<string, string[]> = { a: [], b: [] };
    const deadline = Date.now() + 15_000;
    await Promise.all(
      Object.keys(taken).map(async (name) => {
        const consumer = await redis.open(stream, `consumer=${name}`);
        while (taken.a!.length + taken.b!.length < 1000 && Date.now() < deadline) {
          const batch = await consumer.receive(50, 100);
          taken[name]!.push(...bodies(batch));
          await consumer.ack(batch);
        }
      }),
    );
    const all = [...taken.a!, ...taken.b!];
    expect(all).toHaveLength(1000);
    expect(new Set(all)).toEqual(new Set(numbered(1000)));
    expect(taken.a!.length).toBeGreaterThan(0);
    expect(taken.b!.length).toBeGreaterThan(0);
  });

  it("passes Redis's own refusals through as they are", async () => {
    const stream = redis.stream();
    await redis.admin.set(stream, 'not a stream');
    const transport = await redis.open(stream);
    await expect(transport.send(['x'])).rejects.toMatchObject({
      name: 'ReplyError',
      message: expect.stringMatching(/^WRONGTYPE/),
    });
  });

  it('counts stream entries waiting and in flight, each holding the messages of one send', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    await transport.send(numbered(3)); // XADD creates the stream, without the group yet
    expect(await transport.stats()).toEqual({ pending: 1, inFlight: 0 });
    await transport.setup();
    await transport.send(numbered(7, 3));
    await transport.send(['alone']);
    expect(await transport.stats()).toEqual({ pending: 3, inFlight: 0 });
    // 4 messages: the first entry's 3 and one of the second's, whose 6 others are carried over.
    const received = await transport.receive(4, 1000);
    expect(bodies(received)).toEqual(numbered(4));
    expect(await transport.stats()).toEqual({ pending: 1, inFlight: 2 });
    await transport.ack(received);
    // The first entry is done; the second is not until its carried-over messages are.
    expect(await transport.stats()).toEqual({ pending: 1, inFlight: 1 });
    const rest = await transport.receive(10, 1000);
    expect(bodies(rest)).toEqual([...numbered(6, 4), 'alone']);
    await transport.ack(rest);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('delivers what was sent before the group existed (the group starts at 0)', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.send(['early']);
    await transport.setup();
    await transport.setup(); // again: BUSYGROUP is not an error
    expect(bodies(await transport.receive(10, 1000))).toEqual(['early']);
  });

  it('creates the group again when it is lost, as after a Redis restart without persistence', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.setup();
    await transport.send(['before']);
    await transport.ack(await transport.receive(10, 1000));
    await redis.admin.del(stream);
    await transport.send(['after 1', 'after 2']); // XADD brings the stream back, without its group
    expect(bodies(await transport.receive(10, 1000))).toEqual(['after 1', 'after 2']);
  });

  it('trims the stream to about maxLength when asked', async () => {
    // maxLength counts entries: one per message with pack=1.
    const trimmed = redis.stream();
    const capped = await redis.open(trimmed, 'maxLength=100&pack=1');
    await capped.setup();
    for (let i = 0; i < 1000; i += 500) await capped.send(numbered(500, i));
    const length = await redis.admin.xlen(trimmed);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(1000);
    expect((await capped.stats()).pending).toBe(length);

    const unbounded = redis.stream();
    const open = await redis.open(unbounded, 'pack=1');
    for (let i = 0; i < 1000; i += 500) await open.send(numbered(500, i));
    expect(await redis.admin.xlen(unbounded)).toBe(1000);

    // Packed 100 to an entry, the same 1000 messages are 10 entries: under the cap, nothing trimmed.
    const packed = redis.stream();
    const cappedPacked = await redis.open(packed, 'maxLength=100');
    await cappedPacked.setup();
    for (let i = 0; i < 1000; i += 500) await cappedPacked.send(numbered(500, i));
    expect(await redis.admin.xlen(packed)).toBe(10);
    expect(bodies((await receiveAll(cappedPacked, 1000)).messages)).toEqual(numbered(1000));
  });

  it('stops a blocked receive when closed, and receives nothing afterwards', async () => {
    const transport = await redis.open(redis.stream());
    await transport.setup();
    const blocked = transport.receive(10, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await transport.close();
    expect(await blocked).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
    await transport.close(); // idempotent
    expect(await transport.receive(10, 1000)).toEqual([]);
  });

  it('leaves the group on close when nothing is pending, and stays while something is', async () => {
    const stream = redis.stream();
    const consumers = async () =>
      ((await redis.admin.xinfo('CONSUMERS', stream, 'routeperf')) as string[][]).map((c) => c[1]);
    const done = await redis.open(stream, 'consumer=done');
    await done.setup();
    await done.send(['x']);
    await done.send(['y']);
    await done.ack(await done.receive(1, 1000));
    const holding = await redis.open(stream, 'consumer=holding');
    expect(await holding.receive(1, 1000)).toHaveLength(1);
    expect((await consumers()).sort()).toEqual(['done', 'holding']);
    await done.close();
    await holding.close();
    expect(await consumers()).toEqual(['holding']);
  });
});

describeWithRedis('redis transport packing', () => {
  const redis = useRedisStreams();
  afterAll(() => redis.close());

  /** The fields of every entry of `stream`, in order. */
  const entries = async (stream: string) =>
    (await redis.admin.xrange(stream, '-', '+')).map(([, fields]) => fields);
  const pendingEntries = async (stream: string) =>
    (await redis.admin.xpending(stream, 'routeperf'))[0] as number;

  it('packs up to `pack` messages an entry, and hands each out once, in order', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream, 'pack=100');
    await transport.setup();
    const sent = numbered(250);
    await transport.send(sent);
    expect(await entries(stream)).toEqual([
      ['n', '100', 'b', sent.slice(0, 100).join('\n')],
      ['n', '100', 'b', sent.slice(100, 200).join('\n')],
      ['n', '50', 'b', sent.slice(200).join('\n')],
    ]);
    expect(await transport.stats()).toEqual({ pending: 3, inFlight: 0 });
    const { messages, batches } = await receiveAll(transport, 250);
    expect(bodies(messages)).toEqual(sent);
    expect(batches).toEqual([250]);
    expect(messages.every((message) => message.redeliveries === 0)).toBe(true);
    expect(await redis.admin.xlen(stream)).toBe(0);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(await transport.receive(500, 50)).toEqual([]);
  });

  it('never hands out more than asked for, and keeps the rest of an entry for the next receive', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.setup();
    const sent = numbered(250);
    await transport.send(sent);
    const first = await transport.receive(40, 1000);
    expect(bodies(first)).toEqual(sent.slice(0, 40));
    // One entry read for 40 messages, not all three: the other 60 of it are carried over.
    expect(await pendingEntries(stream)).toBe(1);
    await transport.ack(first);
    const { messages, batches } = await receiveAll(transport, 210, { max: 40 });
    expect(bodies([...first, ...messages])).toEqual(sent);
    expect(batches).toEqual([40, 40, 40, 40, 40, 10]);
    expect(await redis.admin.xlen(stream)).toBe(0);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('reads more entries at once when they turn out smaller than expected, without overshooting', async () => {
    const stream = redis.stream();
    const producer = await redis.open(stream, 'pack=1');
    await producer.setup();
    await producer.send(numbered(300)); // 300 entries of one message
    const consumer = await redis.open(stream, 'consumer=reader');
    const received = await consumer.receive(50, 1000);
    expect(bodies(received)).toEqual(numbered(50));
    expect(await pendingEntries(stream)).toBe(50);
    await consumer.ack(received);
    // Learnt: the next read asks for as many entries as messages.
    expect(bodies(await consumer.receive(100, 1000))).toEqual(numbered(100, 50));
    expect(await pendingEntries(stream)).toBe(100);
  });

  it('acknowledges an entry only once every one of its messages is', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.setup();
    await transport.send(numbered(10));
    const received = await transport.receive(10, 1000);
    expect(received).toHaveLength(10);
    await transport.ack(received.slice(0, 4));
    await transport.ack(received.slice(0, 4)); // again: counted once
    expect(await redis.admin.xlen(stream)).toBe(1);
    expect(await pendingEntries(stream)).toBe(1);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 1 });
    await transport.ack(received.slice(4));
    expect(await redis.admin.xlen(stream)).toBe(0);
    expect(await pendingEntries(stream)).toBe(0);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('delivers a whole entry again when one of its messages was released, and the others acknowledged', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream, 'consumer=worker&redeliveryTimeout=200');
    await transport.setup();
    await transport.send(['a1', 'a2', 'a3']);
    await transport.send(['b1', 'b2', 'b3']);
    await transport.send(['c1', 'c2']);
    const received = await transport.receive(10, 1000);
    expect(bodies(received)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2']);
    const [a1, a2, a3, b1, b2, b3, c1, c2] = received.map((message) => [message]);
    // a: released first, settled by the acknowledgement of the others, in the same MULTI as b's XACK.
    await transport.release(a2!);
    await transport.ack([a1!, a3!, b1!, b2!, b3!].flat());
    // c: acknowledged first, settled by the release.
    await transport.ack(c1!);
    await transport.release(c2!);
    expect(await redis.admin.xlen(stream)).toBe(2); // b is gone; a and c wait to be delivered again
    expect(await pendingEntries(stream)).toBe(2);

    const { messages } = await receiveAll(transport, 5, { deadlineMs: 5000 });
    expect(bodies(messages)).toEqual(['a1', 'a2', 'a3', 'c1', 'c2']);
    expect(messages.every((message) => message.redeliveries >= 1)).toBe(true);
    expect(await redis.admin.xlen(stream)).toBe(0);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('leaves carried-over messages unacknowledged on close: their entry is delivered again', async () => {
    const stream = redis.stream();
    const first = await redis.open(stream, 'consumer=first');
    await first.setup();
    await first.send(numbered(10));
    const taken = await first.receive(4, 1000);
    await first.ack(taken);
    await first.close();
    expect(await pendingEntries(stream)).toBe(1);

    const second = await redis.open(stream, 'consumer=second&redeliveryTimeout=200');
    const { messages } = await receiveAll(second, 10);
    // At least once: the 4 acknowledged come again with the rest, for the store to skip.
    expect(bodies(messages)).toEqual(numbered(10));
    expect(messages.every((message) => message.redeliveries >= 1)).toBe(true);
    expect(await redis.admin.xlen(stream)).toBe(0);
  });

  it('sends a body holding a newline alone, in an `m` entry, and keeps it intact', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.setup();
    const sent = ['a', 'b', 'two\nlines', 'c', 'crlf\r\nend\n', '', 'd'];
    await transport.send(sent);
    expect(await entries(stream)).toEqual([
      ['n', '2', 'b', 'a\nb'],
      ['m', 'two\nlines'],
      ['m', 'c'],
      ['m', 'crlf\r\nend\n'],
      ['n', '2', 'b', '\nd'],
    ]);
    const { messages } = await receiveAll(transport, sent.length);
    expect(bodies(messages)).toEqual(sent);
  });

  it('writes one `m` entry per message with pack=1', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream, 'pack=1');
    await transport.setup();
    await transport.send(['x', 'y', 'z']);
    expect(await entries(stream)).toEqual([
      ['m', 'x'],
      ['m', 'y'],
      ['m', 'z'],
    ]);
    expect(bodies((await receiveAll(transport, 3)).messages)).toEqual(['x', 'y', 'z']);
  });

  it('reads entries written one per message by an older routeperf, and unreadable packed ones as one message', async () => {
    const stream = redis.stream();
    const transport = await redis.open(stream);
    await transport.setup();
    await redis.admin.xadd(stream, '*', 'm', 'old 1');
    await transport.send(['new 1', 'new 2']);
    await redis.admin.xadd(stream, '*', 'm', 'old 2');
    await redis.admin.xadd(stream, '*', 'n', '3', 'b', 'only\ntwo');
    const { messages } = await receiveAll(transport, 5);
    expect(bodies(messages)).toEqual(['old 1', 'new 1', 'new 2', 'old 2', '{"n":"3","b":"only\\ntwo"}']);
    expect(await redis.admin.xlen(stream)).toBe(0);
  });
});

describe('redis transport without a server', () => {
  it('opens without connecting, and connects to nothing when closed unused', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const transport = await createTransport(new URL(`redis://127.0.0.1:${port}/s`), testContext().context);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await transport.close();
      expect(sockets).toHaveLength(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('rejects quickly, and reports the outage once, when Redis is unreachable', async () => {
    const { context, backgroundErrors } = testContext();
    const port = await closedPort();
    const transport = await createTransport(new URL(`redis://127.0.0.1:${port}/s`), context);
    for (const attempt of [1, 2]) {
      const started = Date.now();
      await expect(transport.send([`attempt ${attempt}`])).rejects.toMatchObject({
        name: 'RedisUnreachableError',
        code: 'ECONNREFUSED',
        message: expect.stringContaining(`127.0.0.1:${port} cannot be reached`),
      });
      expect(Date.now() - started).toBeLessThan(3000);
    }
    const others = [transport.setup(), transport.receive(10, 100), transport.stats(), transport.ack([])];
    const settled = await Promise.allSettled(others);
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
    await transport.close();
    expect(backgroundErrors).toHaveLength(1);
    expect(String(backgroundErrors[0])).toMatch(/ECONNREFUSED/);
  });
});
