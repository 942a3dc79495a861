import { describe, expect, it } from 'vitest';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { claimMethodOf } from '../../src/store/dialects/mysql/mysql-writes.js';
import type { Store } from '../../src/store/store.js';
import {
  describeEachDatabase,
  describeWithService,
  MYSQL_URL,
  type TestDatabase,
  unreachable,
} from '../support/databases.js';
import { useTestStores } from './helpers.js';
import { metrics } from './samples.js';

const DAY = 24 * 60 * 60 * 1000;

/** MySQL 8 has no INSERT … RETURNING: on MariaDB, `returning=off` takes the path that needs none. */
const MYSQL_WITHOUT_RETURNING: TestDatabase = { name: 'mysql', url: () => `${MYSQL_URL}?returning=off` };
const mysqlReason = await unreachable(new URL(MYSQL_URL).hostname, Number(new URL(MYSQL_URL).port || 3306));

describeEachDatabase(dedupeTests);
describeWithService('mysql without RETURNING', 'mysql', mysqlReason, () => {
  dedupeTests(MYSQL_WITHOUT_RETURNING);
});

function dedupeTests(database: TestDatabase) {
  const stores = useTestStores(database);

  async function tally(store: Store) {
    const db = await stores.tables(store);
    const count = async (table: 'processed_messages' | 'access_records') =>
      Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const routes = await store.routes();
    return {
      counted: routes.reduce((sum, route) => sum + route.count, 0),
      ledger: await count('processed_messages'),
      records: await count('access_records'),
    };
  }

  /** `n` requests a minute apart ending `ageMs` ago, each with its own id. */
  const requests = (n: number, ageMs: number): RequestMetrics[] => {
    const end = Date.now() - ageMs;
    return Array.from({ length: n }, (_, i) => metrics({ ts: end - (n - i) * 10 }));
  };

  it('counts a message delivered twice, or twice in one batch, once (ledger, no access records)', async () => {
    const store = stores.open();
    const batch = requests(30, 0);
    const first = await store.ingest([...batch, batch[0]!], { dedupe: true });
    const again = await store.ingest(batch.slice(0, 10), { dedupe: true });
    expect(first).toMatchObject({ requests: 31, duplicates: 1 });
    expect(again).toMatchObject({ requests: 10, duplicates: 10, rows: 0 });
    expect(await tally(store)).toEqual({ counted: 30, ledger: 30, records: 0 });
  });

  it('lets the access records be the ledger while they outlive the deduplication window', async () => {
    const store = stores.open({ accessRecords: { enabled: true, retentionDays: 1 }, dedupWindow: 600_000 });
    const batch = requests(30, 60_000);
    await store.ingest([...batch, batch[0]!], { dedupe: true });
    const again = await store.ingest(batch, { dedupe: true });
    expect(again).toMatchObject({ requests: 30, duplicates: 30 });
    expect(await tally(store)).toEqual({ counted: 30, ledger: 0, records: 30 });
  });

  it('keeps using the ledger for messages whose access record may be deleted within the window', async () => {
    const store = stores.open({ accessRecords: { enabled: true, retentionDays: 1 }, dedupWindow: 600_000 });
    // Delivered 23 h 55 min after the request: its record goes in 5 minutes, the window lasts 10.
    const late = requests(5, DAY - 300_000);
    const recent = requests(7, 0);
    await store.ingest([...late, ...recent], { dedupe: true });
    const again = await store.ingest([...recent, ...late], { dedupe: true });
    expect(again).toMatchObject({ requests: 12, duplicates: 12 });
    expect(await tally(store)).toEqual({ counted: 12, ledger: 5, records: 12 });
  });

  it.each([
    { ledger: 'the access records', accessRecords: true, tallied: { ledger: 0, records: 200 } },
    { ledger: 'processed_messages', accessRecords: false, tallied: { ledger: 200, records: 0 } },
  ])(
    'counts once a batch two writers store at the same moment, with $ledger as the ledger',
    async ({ accessRecords, tallied }) => {
      const options = { accessRecords: { enabled: accessRecords, retentionDays: null } };
      const store = stores.open(options);
      const other = stores.reopen(store, options);
      await store.migrate();
      const batch = requests(200, 0);
      const results = await Promise.all([
        store.ingest(batch, { dedupe: true }),
        other.ingest([...batch].reverse(), { dedupe: true }),
      ]);
      expect(results.map((result) => result.duplicates).sort((a, b) => a - b)).toEqual([0, 200]);
      expect(await tally(store)).toEqual({ counted: 200, ...tallied });
    },
  );

  it('splits a batch wider than one statement allows and reads back every id it added', async () => {
    const store = stores.open({ accessRecords: { enabled: true, retentionDays: null } });
    // 11 columns per access record: 7,000 rows pass every dialect's parameter limit.
    const batch = Array.from({ length: 7000 }, (_, i) =>
      metrics({ ts: Date.now() - i, route: `/r${i % 40}` }),
    );
    const first = await store.ingest(batch, { dedupe: true });
    const again = await store.ingest(batch.slice(3000), { dedupe: true });
    expect(first.duplicates).toBe(0);
    expect(again.duplicates).toBe(4000);
    expect(await tally(store)).toEqual({ counted: 7000, ledger: 0, records: 7000 });
  });

  if (database === MYSQL_WITHOUT_RETURNING)
    it('claims ids with a token per statement instead of RETURNING', async () => {
      const store = stores.open();
      await store.ingest(requests(5, 0), { dedupe: true });
      const db = await stores.tables(store);
      const tokens = await db.selectFrom('processed_messages').select('claim').distinct().execute();
      expect(tokens).toEqual([{ claim: expect.any(Number) }]);
    });
}

describe('the MySQL claim method', () => {
  it.each([
    ['8.0.36', 'claim-token'],
    ['8.4.3-commercial', 'claim-token'],
    ['10.4.34-MariaDB', 'claim-token'],
    ['10.5.0-MariaDB', 'returning'],
    ['10.11.19-MariaDB-0+deb12u1', 'returning'],
    ['11.4.2-MariaDB-log', 'returning'],
  ])('of a server whose version() is %s: %s', (version, method) => {
    expect(claimMethodOf(version)).toBe(method);
  });
});
