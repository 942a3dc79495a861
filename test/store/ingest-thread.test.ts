import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteperfError } from '../../src/errors.js';
import { IngestThread } from '../../src/store/ingest-thread/index.js';
import { Store, type StoreOptions } from '../../src/store/store.js';
import { requestMetrics } from '../support/metrics.js';
import { sqliteStoreOptions } from '../support/stores.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const part of opened.splice(0).reverse()) await part.close();
});

function threadOn(options: StoreOptions) {
  const store = new Store(options);
  const thread = new IngestThread(store, options);
  opened.push(store, thread);
  return { store, thread };
}

/** Requests stored, read through a connection of the test's own, synchronously. */
function storedRequests(options: StoreOptions): number {
  const db = new Database(options.database.slice('sqlite:'.length), { readonly: true });
  try {
    const row = db.prepare(`select coalesce(sum(count), 0) as n from ${options.tablePrefix}aggregates`).get();
    return (row as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('the SQLite ingest thread', () => {
  it("commits while the app's thread is busy: the write runs on a thread of its own", async () => {
    const options = sqliteStoreOptions();
    const { thread } = threadOn(options);
    await thread.ingest([requestMetrics()]);
    const write = thread.ingest(Array.from({ length: 200 }, () => requestMetrics()));
    // The app's thread never yields from here until the rows are there: a write made on it would never be.
    const deadline = Date.now() + 120_000;
    while (storedRequests(options) < 201 && Date.now() < deadline);
    expect(storedRequests(options)).toBe(201);
    expect(await write).toMatchObject({ requests: 200, duplicates: 0, routes: 1 });
  });

  it('reports what each batch did, deduplicating by message id when asked, and the store reads it', async () => {
    const { store, thread } = threadOn(sqliteStoreOptions());
    const batch = [requestMetrics({ id: 'a' }), requestMetrics({ id: 'b', statusCode: 500 })];
    expect(await thread.ingest(batch, { dedupe: true })).toMatchObject({ requests: 2, duplicates: 0 });
    expect(await thread.ingest(batch, { dedupe: true })).toMatchObject({ requests: 2, duplicates: 2 });
    const [route] = await store.routes();
    expect(route).toMatchObject({ count: 2, statusCodes: { 200: 1, 500: 1 } });
  });

  it("gives back the thread's errors with their class, code and cause", async () => {
    const { thread } = threadOn(sqliteStoreOptions({ autoSetup: false }));
    const error = await thread.ingest([requestMetrics()]).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(RouteperfError);
    expect(error).toMatchObject({
      code: 'ROUTEPERF_STORE_SCHEMA',
      message: expect.stringMatching(/migrate/),
    });
    expect(thread.causeOf(error)).toBe('unreachable');
  });

  it('fails what a thread that cannot start was handed as an outage, and starts a new one at the next write', async () => {
    const compiled = process.env.ROUTEPERF_COMPILED_DIST;
    process.env.ROUTEPERF_COMPILED_DIST = join(compiled ?? '/nowhere', 'missing');
    const { thread } = threadOn(sqliteStoreOptions());
    const error = await thread.ingest([requestMetrics()]).catch((rejection: unknown) => rejection);
    process.env.ROUTEPERF_COMPILED_DIST = compiled;
    expect((error as Error).message).toMatch(/^routeperf's SQLite thread stopped: /);
    expect(thread.causeOf(error)).toBe('unreachable');
    expect(await thread.ingest([requestMetrics()])).toMatchObject({ requests: 1 });
  });

  it('refuses a batch that cannot cross to the thread, and goes on with the next', async () => {
    const { thread } = threadOn(sqliteStoreOptions());
    const unclonable = { ...requestMetrics(), userId: (() => 'x') as unknown as string };
    await expect(thread.ingest([unclonable])).rejects.toThrow(/could not be cloned/);
    expect(await thread.ingest([requestMetrics()])).toMatchObject({ requests: 1 });
  });

  /** A process of its own that hands the thread one request, then closes it or not, and prints what it got. */
  async function runAlone(options: StoreOptions, closes: boolean) {
    const compiled = process.env.ROUTEPERF_COMPILED_DIST!;
    const script = `
      const { Store } = await import(${JSON.stringify(join(compiled, 'store/store.js'))});
      const { IngestThread } = await import(${JSON.stringify(join(compiled, 'store/ingest-thread/index.js'))});
      const options = { ...${JSON.stringify({ ...options, onBackgroundError: undefined })}, onBackgroundError() {} };
      const thread = new IngestThread(new Store(options), options);
      const batch = [{ id: 'one', ts: Date.now(), environment: 'test', method: 'GET', route: '/a', statusCode: 200,
        requestTime: 1, queryCount: 0, queryTime: 0, memory: 1 }];
      const summary = await thread.ingest(batch);
      if (${closes}) await thread.close();
      console.log(JSON.stringify({ summary, closed: ${closes} }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 120_000,
    });
    return JSON.parse(stdout);
  }

  it.each([false, true])(
    'ends with the process, closed: %s, with what it was handed stored',
    async (closes) => {
      const options = sqliteStoreOptions();
      expect(await runAlone(options, closes)).toMatchObject({ summary: { requests: 1 }, closed: closes });
      expect(storedRequests(options)).toBe(1);
    },
  );
});
