import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../src/bus/transports/memory/index.js';
import { DirectWrites } from '../../src/routeperf/direct-writes.js';
import { Sending } from '../../src/routeperf/sending.js';
import { requestMetrics } from '../support/metrics.js';
import { countsByRouteAndStatus, useSqliteStores } from '../support/stores.js';
import { until } from '../support/wait.js';

const openStore = useSqliteStores();

function sending(options: { bufferSize: number; overflow?: 'store' | 'drop'; maxQueue?: number }) {
  const logged: [string, string][] = [];
  const logError = (kind: string, message: string) => logged.push([kind, message]);
  const store = openStore();
  const directWrites = new DirectWrites(store, { syncTimeout: 60_000, logError, afterRecord: () => {} });
  const transport = new MemoryTransport(new URL(`memory://?maxQueue=${options.maxQueue ?? 10_000}`));
  const part = new Sending({
    transport,
    transportName: 'memory://',
    bufferSize: options.bufferSize,
    overflow: options.overflow ?? 'store',
    directWrites,
    logError,
  });
  return { part, transport, store, directWrites, logged };
}

describe('Sending', () => {
  it('hands metrics on at once, counts them queued until sent, then sent', async () => {
    const { part, transport } = sending({ bufferSize: 100 });
    for (let i = 0; i < 3; i++) expect(part.sink(requestMetrics())).toBeUndefined();
    expect(part.stats()).toEqual({ sent: 0, dropped: 0, queued: 3 });
    await until(() => transport.held === 3, { what: 'the send' });
    expect(part.stats()).toEqual({ sent: 3, dropped: 0, queued: 0 });
    await part.close();
  });

  it("counts and logs what the 'drop' overflow drops once the buffer is full", async () => {
    const { part, logged } = sending({ bufferSize: 2, overflow: 'drop' });
    for (let i = 0; i < 3; i++) part.sink(requestMetrics());
    expect(part.stats()).toEqual({ sent: 0, dropped: 1, queued: 2 });
    expect(logged).toEqual([
      ['overflow', "routeperf's buffer is full; 1 request(s) dropped (overflow: 'drop')"],
    ]);
    await part.close();
  });

  it("writes what the 'store' overflow takes directly, where DirectWrites counts it", async () => {
    const { part, store, directWrites } = sending({ bufferSize: 1 });
    part.sink(requestMetrics());
    part.sink(requestMetrics({ statusCode: 503 }));
    await directWrites.close();
    expect(directWrites.stats()).toMatchObject({ stored: 1 });
    expect(await countsByRouteAndStatus(store)).toEqual({ 'GET /users/:id 503': 1 });
    await part.close();
  });

  it('logs a failed send, naming the transport, and keeps the metrics for the next try', async () => {
    const { part, transport, logged } = sending({ bufferSize: 100, maxQueue: 1 });
    part.sink(requestMetrics());
    part.sink(requestMetrics());
    await until(() => logged.length > 0, { what: 'the failed send' });
    expect(logged).toEqual([['send', 'could not send metrics to memory://; keeping them and retrying']]);
    expect(part.stats()).toEqual({ sent: 0, dropped: 0, queued: 2 });
    await transport.close();
  });
});
