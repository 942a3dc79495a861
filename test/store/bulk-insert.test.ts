import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { BulkColumn, FinishInsert } from '../../src/store/bulk-insert.js';
import { dialectFor } from '../../src/store/dialects/index.js';
import type { Database } from '../../src/store/tables.js';
import { describeEachDatabase } from '../support/databases.js';
import { useTestStores } from './helpers.js';

const COLUMNS: readonly BulkColumn[] = [
  ['route_id', 'bigint'],
  ['bucket', 'bigint'],
  ['status_code', 'integer'],
  ['count', 'bigint'],
];

describeEachDatabase((database) => {
  const stores = useTestStores(database);
  const dialect = dialectFor(database.url());

  async function statusCounts(finish: FinishInsert) {
    const store = stores.open();
    await store.migrate();
    const db = await stores.tables(store);
    const insert = dialect.bulkInsert(db, 'status_counts', COLUMNS, finish);
    const write = (codes: number[], count: number) =>
      db.transaction().execute((trx) => insert.run(trx, codes, (code) => [1, 0, code, count]));
    return { db, write };
  }

  const counts = async (db: Kysely<Database>) =>
    (
      await db.selectFrom('status_counts').select(['status_code', 'count']).orderBy('status_code').execute()
    ).map((row) => [Number(row.status_code), Number(row.count)]);

  it('writes batches of any number of rows', async () => {
    const { db, write } = await statusCounts((insert) =>
      dialect.upsert(insert, 'status_counts', ['route_id', 'bucket', 'status_code'], { count: 'add' }),
    );
    await write([200, 201, 204], 1);
    await write([200], 2);
    await write([200, 404], 3);
    await write([], 4);
    expect(await counts(db)).toEqual([
      [200, 6],
      [201, 1],
      [204, 1],
      [404, 3],
    ]);
  });

  it('keeps a parameter of the finishing clause in its place', async () => {
    const { db, write } = await statusCounts((insert) =>
      dialect.name === 'mysql'
        ? insert.onDuplicateKeyUpdate({ count: 7 })
        : insert.onConflict((conflict) =>
            conflict.columns(['route_id', 'bucket', 'status_code']).doUpdateSet({ count: 7 }),
          ),
    );
    await write([200, 500], 1);
    await write([200, 404], 1);
    expect(await counts(db)).toEqual([
      [200, 7],
      [404, 1],
      [500, 1],
    ]);
  });
});
