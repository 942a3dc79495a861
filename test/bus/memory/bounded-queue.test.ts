import { describe, expect, it } from 'vitest';
import { Producer } from '../../../src/bus/producer.js';
import { MemoryTransport } from '../../../src/bus/transports/memory/index.js';
import type { RequestMetrics } from '../../../src/core/metrics.js';
import { requestMetrics } from '../../support/metrics.js';

const until = async (condition: () => Promise<boolean> | boolean) => {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A producer over memory:// as createRouteperf builds it, with no worker: nothing leaves the queue. */
function producerOverMemory(maxQueue: number, overflow: 'store' | 'drop') {
  const transport = new MemoryTransport(new URL(`memory://?maxQueue=${maxQueue}&batchSize=10`));
  const counts = { dropped: 0, storedDirectly: 0, sent: 0, sendErrors: 0 };
  const producer = new Producer({
    transport,
    bufferSize: transport.maxQueue,
    heldByTransport: () => transport.held,
    overflow,
    storeDirectly: async (batch: RequestMetrics[]) => {
      counts.storedDirectly += batch.length;
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
  return { transport, producer, counts };
}

describe('memory:// with a worker that stores nothing', () => {
  it.each(['drop', 'store'] as const)(
    'holds maxQueue messages at most, and the %s overflow takes the rest',
    async (overflow) => {
      const { transport, producer, counts } = producerOverMemory(100, overflow);
      for (let i = 0; i < 250; i++) {
        producer.dispatch(requestMetrics());
        expect(producer.queued + transport.held).toBeLessThanOrEqual(100);
        // Let sends happen between requests, as they do in an app.
        if (i % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await until(() => counts.sent === 100);
      expect(transport.held).toBe(100);
      expect(producer.queued).toBe(0);
      expect(counts.sendErrors).toBe(0);
      expect(overflow === 'drop' ? counts.dropped : counts.storedDirectly).toBe(150);
      await producer.close();
    },
  );

  it('takes more once the worker has stored some', async () => {
    const { transport, producer, counts } = producerOverMemory(20, 'drop');
    for (let i = 0; i < 20; i++) producer.dispatch(requestMetrics());
    await until(() => counts.sent === 20);
    const batch = await transport.receive(10, 0);
    producer.dispatch(requestMetrics());
    expect(counts.dropped).toBe(1); // received is not stored yet: still held
    await transport.ack(batch);
    for (let i = 0; i < 10; i++) producer.dispatch(requestMetrics());
    producer.dispatch(requestMetrics());
    await until(() => counts.sent === 30);
    expect(counts.dropped).toBe(2);
    expect(transport.held).toBe(20);
    await producer.close();
  });

  it('refuses a send that would take it past maxQueue', async () => {
    const transport = new MemoryTransport(new URL('memory://?maxQueue=3'));
    await transport.send(['a', 'b']);
    await expect(transport.send(['c', 'd'])).rejects.toThrow(
      'memory://?batchSize=500&flushInterval=250&maxQueue=3 is full (2 messages held)',
    );
    expect(transport.held).toBe(2);
  });
});
