import { afterAll, afterEach, expect, it } from 'vitest';
import { recordMessages } from '../cli/queue.js';
import { runCli, tempFolder } from '../support/cli.js';
import { type Consumer, startConsumer } from '../support/consumer.js';
import { POSTGRES_URL } from '../support/databases.js';
import { createOwnDatabase, type OwnDatabase } from '../support/own-database.js';
import { closedPort } from '../support/reachability.js';
import { describeWithRedis, REDIS_URL, useRedisStreams } from '../support/redis.js';
import { readRoutes } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const address = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
};
const REDIS = { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) };

/** The URL with another port. */
function onPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.href;
}

async function storedIn(database: string): Promise<number> {
  const routes = await readRoutes({ database, environment: 'test' });
  return routes.reduce((sum, route) => sum + route.count, 0);
}

/** Resolves once the worker has logged that `what` is unavailable; fails if it exits first. */
async function waitingFor(consumer: Consumer, what: RegExp) {
  let exited = false;
  void consumer.exited.then(() => {
    exited = true;
  });
  await until(() => exited || what.test(consumer.stderr()), {
    what: `the worker to report ${what} unavailable`,
  });
  expect(exited, `the worker exited:\n${consumer.lines.join('\n')}\n${consumer.stderr()}`).toBe(false);
}

describeWithRedis('a worker started while what it needs is down', () => {
  const redis = useRedisStreams();
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(() => redis.close());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A stream holding `count` messages; its DSN through `port`. */
  async function streamWith(count: number, port = REDIS.port) {
    const stream = redis.stream();
    const producer = await redis.open(stream);
    await producer.setup();
    await producer.send(recordMessages(count));
    return `redis://${REDIS.host}:${port}/${stream}`;
  }

  /** A proxy to `target` that refuses every connection until healed. */
  async function cutProxy(target: { host: string; port: number }) {
    const proxy = await TcpProxy.start(target);
    cleanups.push(() => proxy.close());
    proxy.cut();
    return proxy;
  }

  async function ownPostgres(): Promise<OwnDatabase> {
    const own = await createOwnDatabase('postgres');
    cleanups.push(() => own.drop());
    return own;
  }

  it('waits for its broker, then stores every message', async () => {
    const proxy = await cutProxy(REDIS);
    const transport = await streamWith(300, proxy.port);
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test', transport });
    const consumer = await startConsumer({ cwd, args: ['--limit', '300'] });
    await waitingFor(consumer, new RegExp(`${proxy.port}.* is unavailable`));
    proxy.heal();
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
    expect(consumer.lines.join('\n')).toContain(
      'Stopped: limit of 300 messages reached. 300 messages stored, 0 failed',
    );
    expect(consumer.stderr()).toMatch(/is reachable again after \d+ failed attempts?; going on/);
    expect(await storedIn(database)).toBe(300);
  }, 180_000);

  it('waits for its database, then stores every message', async () => {
    const own = await ownPostgres();
    const proxy = await cutProxy(address(POSTGRES_URL));
    const cwd = tempFolder({
      database: onPort(own.url, proxy.port),
      environment: 'test',
      transport: await streamWith(300),
    });
    const consumer = await startConsumer({ cwd, args: ['--limit', '300'] });
    await waitingFor(consumer, /the store .* is unavailable/);
    proxy.heal();
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
    expect(consumer.lines.join('\n')).toContain(
      'Stopped: limit of 300 messages reached. 300 messages stored, 0 failed',
    );
    expect(await storedIn(own.url)).toBe(300);
  }, 180_000);

  it('with --time-limit, a worker that never reaches its database stops at the limit', async () => {
    const cwd = tempFolder({
      database: onPort(POSTGRES_URL, await closedPort()),
      environment: 'test',
      transport: await streamWith(10),
    });
    const started = Date.now();
    const consumer = await startConsumer({ cwd, args: ['--time-limit', '3'] });
    await waitingFor(consumer, /the store .* is unavailable/);
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(consumer.lines.join('\n')).toContain(
      'Stopped: time limit of 3 s reached. 0 messages stored, 0 failed',
    );
  }, 180_000);

  it('SIGTERM stops a worker waiting for its database, and its messages stay for the next one', async () => {
    const transport = await streamWith(20);
    const cwd = tempFolder({
      database: onPort(POSTGRES_URL, await closedPort()),
      environment: 'test',
      transport,
    });
    const consumer = await startConsumer({ cwd });
    await waitingFor(consumer, /the store .* is unavailable/);
    expect(await consumer.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(consumer.lines.join('\n')).toContain('Stopped: received SIGTERM. 0 messages stored, 0 failed');
    const database = sqliteUrl();
    const next = await runCli(['consume', '--limit', '20'], {
      cwd: tempFolder({ database, environment: 'test', transport }),
    });
    expect(next.stdout).toContain('20 messages stored, 0 failed');
    expect(await storedIn(database)).toBe(20);
  }, 180_000);

  it('an invalid configuration still exits 2 at once, whatever is down', async () => {
    const cwd = tempFolder({
      database: onPort(POSTGRES_URL, await closedPort()),
      environment: 'test',
      transport: `redis://127.0.0.1:${await closedPort()}/routeperf?maxLenght=10`,
    });
    const result = await runCli(['consume'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('maxLenght');
  }, 180_000);
});
