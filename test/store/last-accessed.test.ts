import { expect, it } from 'vitest';
import { requestMetrics } from '../support/metrics.js';
import { useSqliteStores } from '../support/stores.js';

const openStore = useSqliteStores();
const T = Date.UTC(2026, 0, 1, 12, 0, 0);

it('keeps last access exact to the minute without rewriting the route row on every batch', async () => {
  const store = openStore();
  const lastAccessed = async () => (await store.routes())[0]!.lastAccessedAt.getTime();
  await store.ingest([requestMetrics({ ts: T })]);
  expect(await lastAccessed()).toBe(T);
  await store.ingest([requestMetrics({ ts: T + 30_000 })]);
  expect(await lastAccessed()).toBe(T); // within the minute: the row is left alone
  await store.ingest([requestMetrics({ ts: T + 70_000 })]);
  expect(await lastAccessed()).toBe(T + 70_000); // a minute or more later: written
  await store.ingest([requestMetrics({ ts: T + 100_000 })]);
  await store.ingest([requestMetrics({ ts: T + 140_000 })]);
  // Measured from the last write (T + 70 s), not from the skipped batch at T + 100 s.
  expect(await lastAccessed()).toBe(T + 140_000);
  await store.ingest([requestMetrics({ ts: T - 5_000 })]);
  expect((await store.routes())[0]!.firstSeenAt.getTime()).toBe(T - 5_000);
  expect((await store.routes())[0]!.count).toBe(6);
});
