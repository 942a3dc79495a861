/**
 * The Redis transport on a Redis Cluster: a cluster of three masters the test starts on its own ports
 * (and stops), a stream whose slot lives on another node than the one the DSN names, messages sent,
 * received, acknowledged and redelivered through it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTransport } from '../../../src/bus/transports/index.js';
import { describeWithRedis, testContext } from '../../support/redis.js';
import { RedisCluster } from '../../support/redis-cluster.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await RedisCluster.start();
});
afterAll(() => cluster?.stop());

/** A stream name whose slot is held by another node than the first one. */
async function streamAwayFromSeed(): Promise<{ stream: string; owner: number }> {
  for (let i = 0; ; i++) {
    const stream = `routeperf-cluster-test-${i}`;
    const owner = await cluster.ownerOf(stream);
    if (owner !== cluster.ports[0]) return { stream, owner };
  }
}

describeWithRedis('redis:// with cluster=true', () => {
  it('sends, receives, redelivers and acknowledges on the node that holds the stream', async () => {
    const { stream, owner } = await streamAwayFromSeed();
    const dsn = `redis://127.0.0.1:${cluster.ports[0]}/${stream}?cluster=true&pack=1&redeliveryTimeout=1`;
    const producer = await openTransport(dsn, testContext('producer').context);
    const first = await openTransport(dsn, testContext('first').context);
    const second = await openTransport(dsn, testContext('second').context);
    try {
      await producer.setup();
      await producer.send(['one', 'two', 'three']);
      const taken = await first.receive(10, 100);
      expect(taken.map((message) => message.body)).toEqual(['one', 'two', 'three']);
      // The first consumer never acknowledges: past the redelivery timeout the second one takes them.
      const redelivered: string[] = [];
      while (redelivered.length < 3) {
        const received = await second.receive(10, 100);
        redelivered.push(...received.map((message) => message.body));
        await second.ack(received);
      }
      expect(redelivered.sort()).toEqual(['one', 'three', 'two']);
      expect(await producer.stats()).toEqual({ pending: 0, inFlight: 0 });
    } finally {
      for (const transport of [producer, first, second]) await transport.close();
    }
    const node = new Redis({ port: owner, lazyConnect: true });
    try {
      expect(await node.type(stream)).toBe('stream');
    } finally {
      node.disconnect();
    }
  });

  it.each([
    [
      'cluster=true&db=2',
      'transport redis:// db: expected 0 with cluster=true (a Redis Cluster has database 0 only), got 2',
    ],
    ['nodes=127.0.0.1:7001', 'transport redis:// nodes: only taken with cluster=true'],
    [
      'cluster=true&nodes=127.0.0.1',
      'transport redis:// nodes: expected host:port pairs separated by commas, got "127.0.0.1"',
    ],
    ['cluster=yes', 'transport redis:// cluster: expected true or false, got "yes"'],
  ])('refuses ?%s at start, naming the key', async (query, message) => {
    await expect(openTransport(`redis://127.0.0.1:1/s?${query}`, testContext().context)).rejects.toThrow(
      message,
    );
  });
});
