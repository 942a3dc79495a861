import pg from 'pg';
import type { ReceivedMessage, Transport, TransportContext } from '../../../src/bus/transport.js';
import { createTransport } from '../../../src/bus/transports/database/index.js';
import { deferAfterEach } from '../../support/cleanup.js';
import { dropTables, type TestDatabase, uniquePrefix } from '../../support/databases.js';
import { until } from '../../support/wait.js';

/** Where a queue lives: a database and a table prefix of its own. */
export interface Place {
  url: string;
  prefix: string;
}

/**
 * Opens database transports on `database`; after each test closes them and drops the tables of every
 * place used. Call it inside a `describeEachDatabase` block.
 */
export function useQueues(database: TestDatabase) {
  const defer = deferAfterEach();
  /** What the transports of the current test reported through `onBackgroundError`. */
  const backgroundErrors: unknown[] = [];

  /** A fresh place: its own prefix (and on SQLite its own file). */
  function place(): Place {
    const created = { url: database.url(), prefix: uniquePrefix() };
    defer(() => dropTables(created.url, created.prefix));
    return created;
  }

  /** A transport for `dsn` (a database URL with parameters, or database://default with `store`). */
  async function open(dsn: string | URL, store: Place = ELSEWHERE): Promise<Transport> {
    const transport = await createTransport(new URL(dsn), context(store, backgroundErrors));
    defer(async () => {
      await transport.close();
      backgroundErrors.length = 0;
    });
    return transport;
  }

  /** A set-up transport on the queue table of `at`, with DSN parameters. */
  async function queue(at: Place, parameters: Record<string, string> = {}): Promise<Transport> {
    const transport = await open(queueDsn(at, parameters));
    await transport.setup();
    return transport;
  }

  return { place, open, queue, backgroundErrors };
}

/** A store the queues of these tests do not share a database with. */
const ELSEWHERE: Place = { url: 'sqlite:/nonexistent/store.sqlite', prefix: 'store_' };

export function queueDsn(at: Place, parameters: Record<string, string> = {}): URL {
  const dsn = new URL(at.url);
  dsn.searchParams.set('tablePrefix', at.prefix);
  for (const [name, value] of Object.entries(parameters)) dsn.searchParams.set(name, value);
  return dsn;
}

/** What a transport learns from the configuration: the store's database and prefix. */
export function context(store: Place, errors: unknown[] = []): TransportContext {
  return {
    database: store.url,
    tablePrefix: store.prefix,
    consumerName: `test-${process.pid}`,
    onBackgroundError: (error) => errors.push(error),
  };
}

/** Receives (without waiting) until the queue has nothing more to deliver. */
export async function drain(transport: Transport, max: number): Promise<ReceivedMessage[][]> {
  const batches: ReceivedMessage[][] = [];
  for (;;) {
    const batch = await transport.receive(max, 0);
    if (batch.length === 0) return batches;
    batches.push(batch);
  }
}

export const bodies = (messages: readonly ReceivedMessage[]) => messages.map((message) => message.body);

/** Settles with the promise, or fails the test if it takes longer than `ms`: a hang is a failure. */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** The PostgreSQL channel the transports of `at` notify and listen on. */
export const channelOf = (at: Place) => `${at.prefix}messages`;

/** Runs `work` on a PostgreSQL connection of its own, closed after. */
export async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Resolves once a connection listens on the channel of `at`: notifications reach it from then on. */
export function listening(at: Place): Promise<void> {
  return withPostgres(at.url, (client) =>
    until(
      async () => {
        const { rowCount } = await client.query(
          "select 1 from pg_stat_activity where state = 'idle' and query = $1",
          [`listen "${channelOf(at)}"`],
        );
        return (rowCount ?? 0) > 0;
      },
      { what: `a LISTEN on ${channelOf(at)}` },
    ),
  );
}
