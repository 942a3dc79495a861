import { describe, expect, it, vi } from 'vitest';
import { Producer } from '../../src/bus/producer.js';
import type { Transport } from '../../src/bus/transport.js';
import { MemoryTransport } from '../../src/bus/transports/memory/index.js';
import { decodeRecord } from '../../src/record/envelope.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { requestMetrics as metrics } from '../support/metrics.js';

/** A transport whose broker the test switches off and on; it keeps what it accepted. */
function switchableTransport() {
  const accepted: string[] = [];
  const sends: number[] = [];
  let up = true;
  let setups = 0;
  const transport: Transport = {
    description: 'test://',
    durable: true,
    causeOf: () => 'unreachable',
    async setup() {
      setups += 1;
      if (!up) throw new Error('broker down');
    },
    async send(messages) {
      if (!up) throw new Error('broker down');
      accepted.push(...messages);
      sends.push(messages.length);
    },
    receive: async () => [],
    ack: async () => {},
    release: async () => {},
    stats: async () => ({ pending: accepted.length, inFlight: 0 }),
    close: async () => {},
  };
  return {
    transport,
    accepted: () => accepted.map((body) => decodeRecord(body).id),
    /** How many messages each successful send carried. */
    sends: () => [...sends],
    setups: () => setups,
    down: () => {
      up = false;
    },
    up: () => {
      up = true;
    },
  };
}

function producerOver(
  broker: { transport: Transport },
  options: { bufferSize?: number; overflow?: 'store' | 'drop'; heldByTransport?: () => number } = {},
) {
  const stored: string[] = [];
  const counts = { dropped: 0, sent: 0, sendErrors: 0 };
  const producer = new Producer({
    transport: broker.transport,
    bufferSize: options.bufferSize ?? 100,
    overflow: options.overflow ?? 'store',
    ...(options.heldByTransport ? { heldByTransport: options.heldByTransport } : {}),
    storeDirectly: async (batch: RequestMetrics[]) => {
      stored.push(...batch.map((m) => m.id));
    },
    onDropped: (count) => {
      counts.dropped += count;
    },
    onSent: (count) => {
      counts.sent += count;
    },
    onSendError: () => {
      counts.sendErrors += 1;
    },
  });
  return { producer, stored, counts };
}

const ids = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `request-${from + i}`);
const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('Producer', () => {
  it('sends what it is given in batches, after setting the transport up once', async () => {
    const broker = switchableTransport();
    const { producer, counts } = producerOver(broker, { bufferSize: 5000 });
    for (const id of ids(1200)) producer.dispatch(metrics({ id }));
    expect(producer.queued).toBe(1200);
    await until(() => counts.sent === 1200);
    expect(broker.accepted()).toEqual(ids(1200));
    expect(broker.setups()).toBe(1);
  });

  it('gathers the messages of several turns into one send, and sends a full batch at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const broker = switchableTransport();
      const { producer, counts } = producerOver(broker, { bufferSize: 5000 });
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
      for (const id of ids(3)) {
        producer.dispatch(metrics({ id }));
        await nextTurn();
      }
      expect(broker.sends()).toEqual([]);
      await vi.advanceTimersByTimeAsync(10);
      expect(counts.sent).toBe(3);
      expect(broker.sends()).toEqual([3]);

      // A full batch does not wait for the linger timer, which never fires here.
      for (const id of ids(500, 3)) producer.dispatch(metrics({ id }));
      await nextTurn();
      await nextTurn();
      expect(broker.sends()).toEqual([3, 500]);
      expect(broker.accepted()).toEqual(ids(503));
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets what came during a send wait for its own linger, so that sends stay few and large', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const broker = switchableTransport();
      const send = broker.transport.send.bind(broker.transport);
      let release = () => {};
      let started = 0;
      broker.transport.send = async (messages) => {
        started += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return send(messages);
      };
      const { producer, counts } = producerOver(broker, { bufferSize: 5000 });
      producer.dispatch(metrics({ id: 'first' }));
      await vi.advanceTimersByTimeAsync(10); // the first send starts, and waits for the broker
      for (const id of ids(3)) producer.dispatch(metrics({ id }));
      release();
      await vi.advanceTimersByTimeAsync(9);
      expect(broker.sends()).toEqual([1]);
      expect(started).toBe(1); // the three wait: no send starts before their linger has passed
      await vi.advanceTimersByTimeAsync(1);
      expect(started).toBe(2);
      release();
      await vi.advanceTimersByTimeAsync(0);
      expect(broker.sends()).toEqual([1, 3]);
      expect(counts.sent).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps messages while the broker is down and sends them, in order, once it is back', async () => {
    const broker = switchableTransport();
    broker.down();
    const { producer, counts, stored } = producerOver(broker);
    for (const id of ids(30)) producer.dispatch(metrics({ id }));
    await until(() => counts.sendErrors >= 2);
    expect(producer.queued).toBe(30);
    broker.up();
    for (const id of ids(10, 30)) producer.dispatch(metrics({ id }));
    await until(() => counts.sent === 40);
    expect(broker.accepted()).toEqual(ids(40));
    expect(stored).toEqual([]);
  });

  it("past bufferSize, overflow 'store' writes the rest directly and loses nothing", async () => {
    const broker = switchableTransport();
    broker.down();
    const { producer, stored, counts } = producerOver(broker, { bufferSize: 10, overflow: 'store' });
    for (const id of ids(25)) producer.dispatch(metrics({ id }));
    expect(producer.queued).toBe(10);
    expect(stored).toEqual(ids(15, 10));
    expect(counts.dropped).toBe(0);
  });

  it("past bufferSize, overflow 'drop' drops and counts the rest", async () => {
    const broker = switchableTransport();
    broker.down();
    const { producer, stored, counts } = producerOver(broker, { bufferSize: 10, overflow: 'drop' });
    for (const id of ids(25)) producer.dispatch(metrics({ id }));
    expect(producer.queued).toBe(10);
    expect(counts.dropped).toBe(15);
    expect(stored).toEqual([]);
  });

  it('close() sends what it can, then stores the rest directly', async () => {
    const broker = switchableTransport();
    const { producer, stored, counts } = producerOver(broker);
    for (const id of ids(5)) producer.dispatch(metrics({ id }));
    await producer.close();
    expect(counts.sent).toBe(5);

    const down = switchableTransport();
    down.down();
    const second = producerOver(down);
    for (const id of ids(5)) second.producer.dispatch(metrics({ id }));
    await second.producer.close(300);
    expect(second.stored).toEqual(ids(5));
    expect(second.producer.queued).toBe(0);
    expect(stored).toEqual([]);
  });
});

describe('Producer over memory://, with a worker that stores nothing', () => {
  /** As createRouteperf builds it: the queue's bound is the producer's, and what it holds counts. */
  function overMemory(maxQueue: number, overflow: 'store' | 'drop') {
    const transport = new MemoryTransport(new URL(`memory://?maxQueue=${maxQueue}&batchSize=10`));
    const built = producerOver(
      { transport },
      { bufferSize: transport.maxQueue, heldByTransport: () => transport.held, overflow },
    );
    return { transport, ...built };
  }

  it.each(['drop', 'store'] as const)(
    'holds maxQueue messages at most, and the %s overflow takes the rest',
    async (overflow) => {
      const { transport, producer, counts, stored } = overMemory(100, overflow);
      for (const [i, id] of ids(250).entries()) {
        producer.dispatch(metrics({ id }));
        expect(producer.queued + transport.held).toBeLessThanOrEqual(100);
        // Sends happen between requests, as they do in an app.
        if (i % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await until(() => counts.sent === 100);
      expect(transport.held).toBe(100);
      expect(producer.queued).toBe(0);
      expect(counts.sendErrors).toBe(0);
      expect(overflow === 'drop' ? counts.dropped : stored.length).toBe(150);
      await producer.close();
    },
  );

  it('takes more once the worker has stored some', async () => {
    const { transport, producer, counts } = overMemory(20, 'drop');
    for (const id of ids(20)) producer.dispatch(metrics({ id }));
    await until(() => counts.sent === 20);
    const batch = await transport.receive(10, 0);
    producer.dispatch(metrics());
    expect(counts.dropped).toBe(1); // received is not stored yet: still held
    await transport.ack(batch);
    for (const id of ids(11, 20)) producer.dispatch(metrics({ id }));
    await until(() => counts.sent === 30);
    expect(counts.dropped).toBe(2);
    expect(transport.held).toBe(20);
    await producer.close();
  });

  it('refuses a send that would take the queue past maxQueue', async () => {
    const transport = new MemoryTransport(new URL('memory://?maxQueue=3'));
    await transport.send(['a', 'b']);
    await expect(transport.send(['c', 'd'])).rejects.toThrow(
      'memory://?batchSize=500&flushInterval=250&maxQueue=3 is full (2 messages held)',
    );
    expect(transport.held).toBe(2);
  });
});
