import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { type Delivery, openDelivery } from '../../src/routeperf/delivery.js';
import { DirectWrites } from '../../src/routeperf/direct-writes.js';
import { InProcess } from '../../src/routeperf/in-process.js';
import { recordingMode } from '../../src/routeperf/recording-mode.js';
import { closeInOrder } from '../../src/routeperf/shutdown.js';
import { Stores } from '../../src/routeperf/stores.js';
import { requestMetrics } from '../support/metrics.js';
import { sqliteUrl } from '../support/sqlite.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The delivery createRouteperf would open for `options`, with the parts it would give it. */
async function deliveryFor(options: RouteperfOptions) {
  const silent = { info() {}, warn() {}, error() {} };
  const config = await resolveConfig({
    explicit: { database: sqliteUrl(), environment: 'test', logger: silent, ...options },
  });
  const logError = () => {};
  const stores = new Stores(config, { logError });
  const directWrites = new DirectWrites(stores.store, {
    syncTimeout: 60_000,
    logError,
    afterRecord: () => {},
  });
  const delivery = await openDelivery({
    config,
    mode: await recordingMode(config),
    stores,
    directWrites,
    logError,
  });
  closers.push(closeInOrder([delivery, directWrites, stores]));
  return { delivery, directWrites };
}

const deliverOne = (delivery: Delivery) => delivery.sink(requestMetrics());

describe('openDelivery', () => {
  it('in synchronous mode writes before the response: the sink returns the write to wait for', async () => {
    const { delivery, directWrites } = await deliveryFor({});
    await deliverOne(delivery);
    expect(directWrites.stats()).toMatchObject({ stored: 1 });
    expect(delivery.flushesOnExit).toBe(false);
    expect(delivery.stats()).toEqual({});
  });

  it('on sync:// writes after the response: the sink returns nothing to wait for', async () => {
    const { delivery, directWrites } = await deliveryFor({ async: true, transport: 'sync://' });
    expect(deliverOne(delivery)).toBeUndefined();
    await directWrites.close();
    expect(directWrites.stats()).toMatchObject({ stored: 1 });
    expect(delivery.flushesOnExit).toBe(false);
  });

  it('on memory:// stores through a worker in this process', async () => {
    const { delivery } = await deliveryFor({ async: true, transport: 'memory://?flushInterval=10' });
    expect(delivery).toBeInstanceOf(InProcess);
    expect(deliverOne(delivery)).toBeUndefined();
    await delivery.close();
    expect(delivery.stats()).toEqual({ stored: 1, dropped: 0, queued: 0 });
  });

  it('on a durable transport sends, and flushes on exit signals', async () => {
    const { delivery, directWrites } = await deliveryFor({ async: true, transport: 'database://default' });
    expect(deliverOne(delivery)).toBeUndefined();
    expect(delivery.flushesOnExit).toBe(true);
    await delivery.close();
    expect(delivery.stats()).toEqual({ sent: 1, dropped: 0, queued: 0 });
    expect(directWrites.stats()).toMatchObject({ stored: 0 });
  });
});
