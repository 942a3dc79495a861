import { describe, expect, it } from 'vitest';
import type { RecordResult } from '../../src/config/types.js';
import { DirectWrites } from '../../src/routeperf/direct-writes.js';
import type { Sink } from '../../src/store/sink.js';
import { requestMetrics } from '../support/metrics.js';
import { countsByRouteAndStatus, useSqliteStores } from '../support/stores.js';

const openStore = useSqliteStores();

/** DirectWrites over `store`, keeping what it logs and what afterRecord is told. */
function directWrites(store: Pick<Sink, 'description' | 'ingest' | 'causeOf'>, syncTimeout = 60_000) {
  const logged: { kind: string; message: string; error?: unknown }[] = [];
  const results: RecordResult[] = [];
  const writes = new DirectWrites(store, {
    syncTimeout,
    logError: (kind, message, error) => logged.push({ kind, message, error }),
    afterRecord: (result) => results.push(result),
  });
  return { writes, logged, results };
}

/** A store whose writes never finish: the database hangs. */
const hangingStore = {
  description: 'sqlite:hanging',
  ingest: () => new Promise<never>(() => {}),
  causeOf: () => 'unreachable' as const,
};

describe('DirectWrites', () => {
  it('stores each request, counts it stored and tells afterRecord', async () => {
    const store = openStore();
    const { writes, logged, results } = directWrites(store);
    const [first, second] = [requestMetrics(), requestMetrics({ statusCode: 500 })];
    await Promise.all([writes.storeDirectly(first), writes.storeDirectly(second)]);
    expect(writes.stats()).toEqual({ stored: 2, dropped: 0, queued: 0 });
    expect(await countsByRouteAndStatus(store)).toEqual({ 'GET /users/:id 200': 1, 'GET /users/:id 500': 1 });
    expect(results).toEqual([
      { metrics: first, stored: true },
      { metrics: second, stored: true },
    ]);
    expect(logged).toEqual([]);
  });

  it('counts a write the store refused as dropped, logs it and tells afterRecord, never rejecting', async () => {
    const refused = new Error('value too long');
    const { writes, logged, results } = directWrites({
      description: 'sqlite:refusing',
      ingest: async () => {
        throw refused;
      },
      causeOf: () => 'badMessage',
    });
    const metrics = requestMetrics();
    await expect(writes.storeDirectly(metrics)).resolves.toBeUndefined();
    expect(writes.stats()).toEqual({ stored: 0, dropped: 1, queued: 0 });
    expect(logged).toEqual([
      {
        kind: 'store',
        message: 'could not store request metrics in sqlite:refusing; the request was counted as dropped',
        error: refused,
      },
    ]);
    expect(results).toEqual([{ metrics, stored: false, error: refused }]);
  });

  it('counts the writes in flight as queued, and past the backlog limit drops the request instead', async () => {
    const { writes, logged } = directWrites(hangingStore);
    void writes.storeUnlessBacklogged(requestMetrics(), 2);
    void writes.storeUnlessBacklogged(requestMetrics(), 2);
    await writes.storeUnlessBacklogged(requestMetrics(), 2);
    expect(writes.stats()).toEqual({ stored: 0, dropped: 1, queued: 2 });
    expect(logged).toEqual([
      {
        kind: 'overflow',
        message: 'the database is not keeping up (2 direct writes waiting); request metrics dropped',
        error: undefined,
      },
    ]);
  });

  it('lets a response wait for its write at most syncTimeout; the write goes on', async () => {
    const { writes } = directWrites(hangingStore, 20);
    const startedAt = performance.now();
    await writes.storeBeforeResponse(requestMetrics());
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(19);
    expect(writes.stats()).toEqual({ stored: 0, dropped: 0, queued: 1 });
  });

  it('lets a response go as soon as its write is stored', async () => {
    const { writes } = directWrites(openStore(), 60_000);
    await writes.storeBeforeResponse(requestMetrics());
    expect(writes.stats()).toEqual({ stored: 1, dropped: 0, queued: 0 });
  });

  it('on close waits for the writes in flight, then refuses new ones as dropped', async () => {
    const store = openStore();
    const { writes, logged, results } = directWrites(store);
    const inFlight = writes.storeDirectly(requestMetrics());
    await writes.close();
    expect(writes.stats()).toEqual({ stored: 1, dropped: 0, queued: 0 });
    await inFlight;

    const late = requestMetrics();
    await writes.storeDirectly(late);
    expect(writes.stats()).toEqual({ stored: 1, dropped: 1, queued: 0 });
    expect(logged.map((line) => [line.kind, (line.error as Error).message])).toEqual([
      ['store', 'routeperf was closed'],
    ]);
    expect(results.at(-1)).toMatchObject({ metrics: late, stored: false });
    expect(await countsByRouteAndStatus(store)).toEqual({ 'GET /users/:id 200': 1 });
  });
});
