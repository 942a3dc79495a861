import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { until } from './wait.js';

/** A port nobody listens on now, as the kernel hands one out. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A small Redis Cluster of the test's own: three masters on free loopback ports, started from the
 * machine's redis-server, joined by redis-cli, and stopped (files removed) by `stop()`. The shared Redis
 * on 6379 is never touched.
 */
export class RedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: ChildProcess[],
    private readonly folder: string,
  ) {}

  static async start(size = 3): Promise<RedisCluster> {
    const folder = mkdtempSync(join(tmpdir(), 'routeperf-redis-cluster-'));
    const ports: number[] = [];
    const children: ChildProcess[] = [];
    const cluster = new RedisCluster(ports, children, folder);
    try {
      for (let i = 0; i < size; i++) {
        const port = await freePort();
        ports.push(port);
        children.push(
          spawn(
            'redis-server',
            [
              '--port',
              String(port),
              '--bind',
              '127.0.0.1',
              '--dir',
              folder,
              '--save',
              '',
              '--appendonly',
              'no',
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              `nodes-${port}.conf`,
            ],
            { stdio: 'ignore' },
          ),
        );
      }
      for (const port of ports) await until(() => ping(port), { what: `redis-server on ${port}` });
      const nodes = ports.map((port) => `127.0.0.1:${port}`);
      await promisify(execFile)('redis-cli', [
        '--cluster',
        'create',
        ...nodes,
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      for (const port of ports) await until(() => clusterOk(port), { what: `the cluster seen from ${port}` });
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** The port of the master that holds `key`'s slot. */
  async ownerOf(key: string): Promise<number> {
    const client = new Redis({ port: this.ports[0], lazyConnect: true });
    try {
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
      const slots = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      return slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.folder, { recursive: true, force: true });
  }
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function clusterOk(port: number): Promise<boolean> {
  const client = new Redis({ port, lazyConnect: true });
  try {
    return String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
  } finally {
    client.disconnect();
  }
}
