import { connect, createServer, type Server, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import { describeEachDatabase } from '../support/databases.js';
import { closedPort } from '../support/reachability.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

/** Forwards `port` to `target` until closed, as the database server coming back on its port would. */
async function forward(port: number, target: URL): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const server: Server = createServer((client) => {
    const upstream = track(connect(Number(target.port), target.hostname));
    track(client).pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Settles with the promise, or fails the test if it takes longer than `ms`: a hang is a failure. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

describeEachDatabase(
  (database) => {
    const stores = useTestStores(database);

    function downUrl(port: number) {
      const url = new URL(database.url());
      url.port = String(port);
      return url.toString();
    }

    for (const autoSetup of [true, false]) {
      it(`ingest and reads reject at once when the server is down (autoSetup ${autoSetup})`, async () => {
        const store = stores.open({ database: downUrl(await closedPort()), autoSetup, unreachable: true });
        for (let attempt = 0; attempt < 2; attempt++) {
          const failure = within(3_000, store.ingest([metrics()]));
          await expect(failure).rejects.toBeInstanceOf(RouteperfError);
          await expect(failure).rejects.toMatchObject({ code: 'ROUTEPERF_STORE_UNREACHABLE' });
          await expect(failure).rejects.toThrow(/ECONNREFUSED/);
        }
        await expect(within(3_000, store.routes())).rejects.toThrow(/ECONNREFUSED/);
        await within(3_000, store.close());
      });
    }

    it('the same store works once the server is back', async () => {
      const port = await closedPort();
      const store = stores.open({ database: downUrl(port), unreachable: true });
      await expect(within(3_000, store.ingest([metrics()]))).rejects.toThrow(/ECONNREFUSED/);
      const server = await forward(port, new URL(database.url()));
      try {
        await store.ingest([metrics()]);
        await store.ingest([metrics()]);
        expect(await store.routes()).toMatchObject([{ count: 2 }]);
        await store.close();
      } finally {
        await server.close();
      }
      // Read through the server itself; this also drops the tables afterwards.
      const direct = stores.open({ tablePrefix: stores.where(store).prefix });
      expect(await direct.routes()).toMatchObject([{ count: 2 }]);
    });

    it('a store that can reach the server works after one that could not', async () => {
      const down = stores.open({ database: downUrl(await closedPort()), unreachable: true });
      await expect(within(3_000, down.ingest([metrics()]))).rejects.toThrow();
      const up = stores.open();
      await up.ingest([metrics()]);
      expect(await up.routes()).toMatchObject([{ count: 1 }]);
    });
  },
  ['postgres', 'mysql'],
);
