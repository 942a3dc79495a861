import { afterEach, expect, it } from 'vitest';
import type { Transport, TransportContext } from '../../src/bus/transport.js';
import { openTransport } from '../../src/bus/transports/index.js';
import { startWorker } from '../../src/bus/worker/index.js';
import { encodeRecord } from '../../src/record/envelope.js';
import { Store } from '../../src/store/store.js';
import { describeEachDatabase, uniquePrefix } from '../support/databases.js';
import { capturingLogger } from '../support/logger.js';
import { requestMetrics } from '../support/metrics.js';
import { createOwnDatabase, type OwnDatabase } from '../support/own-database.js';
import { until } from '../support/wait.js';

const SEND = 500;

function storeOn(database: string, tablePrefix: string) {
  return new Store({
    database,
    tablePrefix,
    environment: 'test',
    autoSetup: true,
    maxRoutes: 1000,
    accessRecords: { enabled: false, retentionDays: null },
    onBackgroundError: () => {},
  });
}

/**
 * A worker storing into a database of the test's own (owned by a role of its own), from a queue and
 * with a failure store in a second one, so that only the store meets what the test does to its database.
 */
async function running() {
  const own = await createOwnDatabase('postgres', { ownRole: true });
  const beside = await createOwnDatabase('postgres');
  const prefix = uniquePrefix();
  const store = storeOn(own.url, prefix);
  const failureStore = storeOn(beside.url, prefix);
  // The store's database: the queue is in another one, so its rows are not deleted in the store's transaction.
  const context: TransportContext = {
    database: own.url,
    tablePrefix: prefix,
    consumerName: 'test',
    onBackgroundError: () => {},
  };
  const queue = `${beside.url}?tablePrefix=${prefix}`;
  const producer = await openTransport(queue, context);
  await producer.setup();
  const consumer = await openTransport(queue, context);
  const { logger, lines } = capturingLogger();
  const worker = startWorker({
    transport: consumer,
    sink: store,
    failures: () => failureStore.failures(),
    logger,
    sleep: 100,
    // A message the store refuses goes to the failure store at its first failure.
    retry: { delay: 100, maxRetries: 0 },
  });
  let sent = 0;
  return {
    own,
    worker,
    /** Every line the worker logged, warnings and errors. */
    logged: () => [...lines.warn, ...lines.error].join('\n'),
    async send() {
      await producer.send(Array.from({ length: SEND }, () => encodeRecord(requestMetrics())));
      sent += SEND;
    },
    sent: () => sent,
    async stored() {
      const routes = await store.routes();
      return routes.reduce((sum, route) => sum + route.count, 0);
    },
    failed: async () => (await failureStore.failures()).count(),
    async close() {
      worker.stop();
      await worker.done.catch(() => {});
      for (const transport of [producer, consumer] as Transport[]) await transport.close();
      await store.close();
      await failureStore.close();
      await own.drop();
      await beside.drop();
    },
  };
}

describeEachDatabase(() => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /**
   * Runs the worker under load, does `breakIt` to the database (then ends the store's connections, so
   * that new ones see it) until the worker has met `symptom`, then `fixIt`: every message must be stored
   * once, and none failed.
   */
  async function rideOut(
    breakIt: (own: OwnDatabase) => Promise<unknown>,
    symptom: RegExp,
    fixIt: (own: OwnDatabase) => Promise<unknown>,
  ) {
    const setup = await running();
    close = setup.close;
    const { own, worker } = setup;
    await setup.send();
    await until(() => worker.counts().handled > 0, { what: 'a first batch stored' });

    await breakIt(own);
    await own.endConnections();
    await setup.send();
    await setup.send();
    await until(() => symptom.test(setup.logged()) || worker.counts().failed > 0, {
      what: `the worker to meet ${symptom}`,
    });
    expect(worker.counts().failed).toBe(0);

    await fixIt(own);
    await own.endConnections();
    await setup.send();
    await until(() => worker.counts().handled >= setup.sent(), { what: 'every message handled' });
    expect(worker.counts()).toMatchObject({ handled: setup.sent(), failed: 0 });
    expect(await setup.failed()).toBe(0);
    expect(await setup.stored()).toBe(setup.sent());
    expect(setup.logged()).toMatch(/is reachable again/);
  }

  it('a database made read-only: the worker waits, nothing goes to the failure store, every message counts once', async () => {
    await rideOut(
      (own) => own.admin(`alter database ${own.name} set default_transaction_read_only = on`),
      /read-only transaction/,
      (own) => own.admin(`alter database ${own.name} reset default_transaction_read_only`),
    );
  }, 240_000);

  it('a role out of connections: the worker waits, nothing goes to the failure store, every message counts once', async () => {
    await rideOut(
      (own) => own.admin(`alter role ${own.name} connection limit 0`),
      /too many connections/,
      (own) => own.admin(`alter role ${own.name} connection limit -1`),
    );
  }, 240_000);
}, ['postgres']);
