import { expect, it } from 'vitest';
import { MemoryTransport } from '../../src/bus/transports/memory/index.js';
import { DEFAULT_RETRY } from '../../src/config/retry.js';
import { DirectWrites } from '../../src/routeperf/direct-writes.js';
import { InProcess } from '../../src/routeperf/in-process.js';
import { requestMetrics } from '../support/metrics.js';
import { countsByRouteAndStatus, useSqliteStores } from '../support/stores.js';
import { until } from '../support/wait.js';

const openStore = useSqliteStores();
const silent = { info() {}, warn() {}, error() {} };

function inProcess(dsn: string) {
  const logged: string[] = [];
  const logError = (_kind: string, message: string) => logged.push(message);
  const store = openStore();
  const directWrites = new DirectWrites(store, { syncTimeout: 60_000, logError, afterRecord: () => {} });
  const part = new InProcess(new MemoryTransport(new URL(dsn)), {
    sink: store,
    failures: () => store.failures(),
    retry: DEFAULT_RETRY,
    logger: silent,
    transportName: dsn,
    overflow: 'store',
    directWrites,
    logError,
  });
  return { part, store, logged };
}

it('counts what it holds as queued until its worker has stored it, and never as sent', async () => {
  const { part, store, logged } = inProcess('memory://?batchSize=10&flushInterval=10');
  for (let i = 0; i < 25; i++) expect(part.sink(requestMetrics())).toBeUndefined();
  expect(part.stats()).toEqual({ stored: 0, dropped: 0, queued: 25 });
  await until(() => part.stats().stored === 25, { what: 'the in-process worker storing 25 requests' });
  expect(part.stats()).toEqual({ stored: 25, dropped: 0, queued: 0 });
  expect(await countsByRouteAndStatus(store)).toEqual({ 'GET /users/:id 200': 25 });
  await part.close();
  expect(logged).toEqual([]);
});

it('on close sends what the producer holds and lets the worker store it before stopping', async () => {
  const { part, store } = inProcess('memory://?batchSize=1000&flushInterval=50');
  for (let i = 0; i < 7; i++) part.sink(requestMetrics());
  expect(part.stats()).toEqual({ stored: 0, dropped: 0, queued: 7 });
  await part.close();
  expect(part.stats()).toEqual({ stored: 7, dropped: 0, queued: 0 });
  expect(await countsByRouteAndStatus(store)).toEqual({ 'GET /users/:id 200': 7 });
  expect(part.flushesOnExit).toBe(true);
});
