import { expect, it } from 'vitest';
import { MemoryTransport } from '../../src/bus/transports/memory/index.js';
import { startWorker } from '../../src/bus/worker/index.js';
import { encodeRecord } from '../../src/record/envelope.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf } from '../../src/routeperf.js';
import { requestMetrics } from '../support/metrics.js';
import { sqliteUrl } from '../support/sqlite.js';

it('a failureTransport in another database receives the failed messages; the store keeps the good ones', async () => {
  const failuresUrl = sqliteUrl();
  const handle = await createRouteperf({
    database: sqliteUrl(),
    failureTransport: failuresUrl,
    environment: 'test',
  });
  const routeperf = internalsOf(handle);
  const transport = new MemoryTransport(new URL('memory://'));
  await transport.send([encodeRecord(requestMetrics({ environment: 'test' })), '{"not": "a record"}']);
  const worker = startWorker({
    transport,
    sink: routeperf.store,
    failures: routeperf.failures,
    limit: 2,
    sleep: 10,
  });
  expect(await worker.done).toMatchObject({ reason: 'limit', handled: 1, failed: 1 });

  const [failed] = await (await routeperf.failures()).list();
  expect(failed).toMatchObject({
    body: '{"not": "a record"}',
    error: expect.stringContaining('not a routeperf.record'),
  });
  expect(await (await routeperf.store.failures()).count()).toBe(0);
  expect((await routeperf.store.routes()).map((route) => route.count)).toEqual([1]);
  await handle.close();

  const elsewhere = await createRouteperf({ database: failuresUrl, environment: 'test' });
  expect(await (await internalsOf(elsewhere).failures()).count()).toBe(1);
  await elsewhere.close();
});
