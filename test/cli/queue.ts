import { afterAll } from 'vitest';
import type { Transport } from '../../src/bus/transport.js';
import { openTransport } from '../../src/bus/transports/index.js';
import { encodeRecord } from '../../src/record/envelope.js';
import { tempFolder } from '../support/cli.js';
import { requestMetrics } from '../support/metrics.js';
import { readRoutes } from '../support/seed.js';
import { sqliteUrl } from '../support/sqlite.js';

/** The durable transport the worker tests use: a queue table in the store's own SQLite database. */
export const QUEUE_DSN = 'database://default';

export interface QueueSetup {
  /** Working folder whose routeperf.config.json records asynchronously through QUEUE_DSN. */
  cwd: string;
  database: string;
  /** The producer's side, opened in the test process: send raw messages, read pending and in-flight counts. */
  queue: Transport;
  /** Requests stored, all routes together. */
  stored(): Promise<number>;
}

// Closed after the file rather than after each test: the tests of a file run concurrently.
const queues: Transport[] = [];
afterAll(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

/** A fresh database and config; the test process holds the producer's end of the queue. */
export async function queueSetup(extra: Record<string, unknown> = {}): Promise<QueueSetup> {
  const database = sqliteUrl();
  const cwd = tempFolder({ database, environment: 'test', async: true, transport: QUEUE_DSN, ...extra });
  const queue = await openTransport(QUEUE_DSN, {
    database,
    tablePrefix: 'routeperf_',
    consumerName: 'test-producer',
    onBackgroundError: (error) => {
      throw error;
    },
  });
  queues.push(queue);
  await queue.setup();
  return {
    cwd,
    database,
    queue,
    async stored() {
      const routes = await readRoutes({ database, environment: 'test' });
      return routes.reduce((sum, route) => sum + route.count, 0);
    },
  };
}

/** `count` valid routeperf.record messages, as an app would send them. */
export function recordMessages(count: number, route = '/users/:id'): string[] {
  return Array.from({ length: count }, () => encodeRecord(requestMetrics({ route })));
}

/** One message of each kind a worker can never store, with what its error says. */
export const POISON = {
  notJson: { body: '{"type": "routeperf.record", "v": 1, ', error: 'not JSON' },
  unknownVersion: {
    body: JSON.stringify({ type: 'routeperf.record', v: 2, id: 'from-the-future', ts: 1, body: {} }),
    error: 'unknown version 2 of routeperf.record',
  },
  invalidBody: {
    body: encodeRecord(requestMetrics({ id: 'bad-status', statusCode: 42 })),
    error: 'invalid body: statusCode',
  },
};
