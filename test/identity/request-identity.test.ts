import { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteperfOptions } from '../../src/config/types.js';
import { sampleKey } from '../../src/core/request-id.js';
import { dialectFor } from '../../src/store/dialects/index.js';
import { TablePrefixPlugin } from '../../src/store/table-prefix-plugin.js';
import { type Database, TABLES } from '../../src/store/tables.js';
import { scenario, startApp, storedCounts, TRANSPORTS, total } from '../e2e/harness.js';
import { tempFolder } from '../support/cli.js';
import { startConsumer } from '../support/consumer.js';
import {
  describeWithService,
  dropTables,
  MYSQL_URL,
  POSTGRES_URL,
  uniquePrefix,
  unreachable,
} from '../support/databases.js';
import { hammer } from '../support/http.js';
import { REDIS_URL } from '../support/redis.js';
import { sqliteUrl } from '../support/sqlite.js';

const CLIENT_ID = 'same-request-id-0001';
const REQUESTS = 500;
/** A UUIDv7: 48 bits of time, version 7, variant 10. */
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function unreachableAt(url: string, defaultPort: number) {
  const { hostname, port } = new URL(url);
  return unreachable(hostname, Number(port || defaultPort));
}

const reasons = {
  redis: await unreachableAt(REDIS_URL, 6379),
  postgres: await unreachableAt(POSTGRES_URL, 5432),
  mysql: await unreachableAt(MYSQL_URL, 3306),
};

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The access records of the app's tables: how many per correlation id, and how many distinct message ids. */
async function accessRecords(options: RouteperfOptions) {
  const url = options.database!;
  const db = new Kysely<Database>({
    dialect: await dialectFor(url).createDialect(url, () => {}),
    plugins: [new TablePrefixPlugin(options.tablePrefix!, TABLES)],
  });
  try {
    const byCorrelation = await db
      .selectFrom('access_records')
      .select(['correlation_id', db.fn.countAll().as('n')])
      .groupBy('correlation_id')
      .execute();
    const { ids } = await db
      .selectFrom('access_records')
      .select(db.fn.count('request_id').distinct().as('ids'))
      .executeTakeFirstOrThrow();
    const { sample } = await db
      .selectFrom('access_records')
      .select(db.fn.min('request_id').as('sample'))
      .executeTakeFirstOrThrow();
    // Only MySQL schemas have the column; the records claimed with a token hold one.
    const claimed = url.startsWith('mysql:')
      ? Number(
          (
            await db
              .selectFrom('access_records')
              .select(db.fn.count('claim').as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        )
      : 0;
    return {
      byCorrelation: byCorrelation.map((row) => ({ correlationId: row.correlation_id, n: Number(row.n) })),
      messageIds: Number(ids),
      sample,
      claimed,
    };
  } finally {
    await db.destroy();
  }
}

/** 500 requests, all with the same request id header, to a real Fastify app over real sockets. */
async function sendWithOneClientId(options: RouteperfOptions) {
  const { app, url } = await startApp(options);
  const statuses = await hammer(
    (i) => `${url}/users/${i}`,
    REQUESTS,
    20,
    () => ({ headers: { 'x-request-id': CLIENT_ID } }),
  );
  await app.close();
  expect(statuses.every((status) => status === 200)).toBe(true);
}

async function expectEveryRequestCounted(options: RouteperfOptions) {
  expect(await storedCounts(options)).toEqual({ 'GET /users/:id 200': REQUESTS });
  const records = await accessRecords(options);
  expect(records.byCorrelation).toEqual([{ correlationId: CLIENT_ID, n: REQUESTS }]);
  expect(records.messageIds).toBe(REQUESTS);
  expect(records.sample).toMatch(MESSAGE_ID);
  return records;
}

const withAccessRecords = (options: RouteperfOptions): RouteperfOptions => ({
  ...options,
  accessRecords: { enabled: true },
});

describe('a request id header sent on every request', () => {
  it('in synchronous mode: every request counted, the header kept as correlation id', async () => {
    const options = withAccessRecords({
      database: sqliteUrl(),
      tablePrefix: uniquePrefix(),
      environment: 'test',
    });
    await sendWithOneClientId(options);
    await expectEveryRequestCounted(options);
  });

  it('through memory://: every request counted, the header kept as correlation id', async () => {
    const options = withAccessRecords({
      database: sqliteUrl(),
      tablePrefix: uniquePrefix(),
      environment: 'test',
      async: true,
      transport: 'memory://',
    });
    await sendWithOneClientId(options);
    await expectEveryRequestCounted(options);
  });

  const durable: { name: string; transport: string; service: keyof typeof reasons; database?: string }[] = [
    { name: 'redis', transport: 'redis', service: 'redis' },
    { name: 'database on PostgreSQL', transport: 'database on PostgreSQL', service: 'postgres' },
    // MySQL 8's path, which needs no INSERT … RETURNING.
    {
      name: 'database on MariaDB without RETURNING',
      transport: 'database on MariaDB',
      service: 'mysql',
      database: `${MYSQL_URL}?returning=off`,
    },
  ];
  for (const { name, transport, service, database } of durable) {
    const transportCase = TRANSPORTS.find((candidate) => candidate.name === transport)!;
    describeWithService(name, service, reasons[service], () => {
      it('through a real worker: every request counted once, the header kept as correlation id', async () => {
        const setup = scenario(transportCase);
        cleanups.push(setup.cleanup);
        const store = database ? { database, accessRecords: { enabled: true } } : withAccessRecords({});
        await sendWithOneClientId({ ...setup.app, ...store });
        // The worker writes the access records: its own configuration turns them on.
        const workerOptions = { ...setup.worker, ...store };
        const cwd = tempFolder(workerOptions);
        const worker = await startConsumer({ cwd, args: ['--limit', String(REQUESTS)] });
        const exit = await worker.exited;
        expect({ ...exit, output: exit.code === 0 ? '' : worker.lines.join('\n') + worker.stderr() }).toEqual(
          {
            code: 0,
            signal: null,
            output: '',
          },
        );
        const { claimed } = await expectEveryRequestCounted(workerOptions);
        // Without RETURNING, each access record was claimed with a token.
        expect(claimed).toBe(database ? REQUESTS : 0);
      });
    });
  }

  describeWithService('synchronous mode on PostgreSQL', 'postgres', reasons.postgres, () => {
    it('counts every request and keeps each access record', async () => {
      const options = withAccessRecords({
        database: POSTGRES_URL,
        tablePrefix: uniquePrefix(),
        environment: 'test',
      });
      cleanups.push(() => dropTables(POSTGRES_URL, options.tablePrefix!));
      await sendWithOneClientId(options);
      await expectEveryRequestCounted(options);
    });
  });
});

describe('sampling', () => {
  /** Requests recorded out of `n` at samplingRate 0.5, each sent with the header `header(i)`. */
  async function recordedOf(n: number, header: (i: number) => string) {
    const options: RouteperfOptions = {
      database: sqliteUrl(),
      tablePrefix: uniquePrefix(),
      environment: 'test',
      samplingRate: 0.5,
    };
    const { app, url } = await startApp(options);
    await hammer(
      (i) => `${url}/users/${i}`,
      n,
      20,
      (i) => ({ headers: { 'x-request-id': header(i) } }),
    );
    await app.close();
    return total(await storedCounts(options));
  }

  it('records about half of 400 requests that share one request id, not all or none', async () => {
    const recorded = await recordedOf(400, () => CLIENT_ID);
    expect(recorded).toBeGreaterThan(400 * 0.35);
    expect(recorded).toBeLessThan(400 * 0.65);
  });

  it('cannot be steered by choosing request ids: ids that would hash out or in are sampled alike', async () => {
    // Header values a client could pick because their hash falls on one side of the rate.
    const candidates = Array.from({ length: 4000 }, (_, i) => `chosen-request-${i}`);
    const hashedOut = candidates.filter((id) => sampleKey(id) >= 0.5).slice(0, 400);
    const hashedIn = candidates.filter((id) => sampleKey(id) < 0.5).slice(0, 400);
    for (const ids of [hashedOut, hashedIn]) {
      const recorded = await recordedOf(ids.length, (i) => ids[i]!);
      expect(recorded).toBeGreaterThan(400 * 0.35);
      expect(recorded).toBeLessThan(400 * 0.65);
    }
  });
});
