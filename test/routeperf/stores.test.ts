import { afterEach, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { Stores } from '../../src/routeperf/stores.js';
import { sqliteTables, sqliteUrl } from '../support/sqlite.js';

const opened: Stores[] = [];
afterEach(async () => {
  for (const stores of opened.splice(0)) await stores.close();
});

async function storesFor(options: RouteperfOptions & { readOnly?: boolean }) {
  const { readOnly, ...settings } = options;
  const config = await resolveConfig({ explicit: { environment: 'test', ...settings } });
  const stores = new Stores(config, { readOnly, logError: () => {} });
  opened.push(stores);
  return stores;
}

const failed = { messageId: null, body: '{}', error: 'unreadable', transport: 'memory://', attempts: 1 };

it("keeps failed messages in the store's own database by default", async () => {
  const database = sqliteUrl();
  const stores = await storesFor({ database });
  await (await stores.failures()).add([failed]);
  expect(await (await stores.store.failures()).count()).toBe(1);
});

it('keeps them in the database failureTransport names, and closes both stores', async () => {
  const [database, failureTransport] = [sqliteUrl(), sqliteUrl()];
  const stores = await storesFor({ database, failureTransport });
  await (await stores.failures()).add([failed]);
  expect(await (await stores.store.failures()).count()).toBe(0);
  await stores.close();

  const elsewhere = await storesFor({ database: failureTransport });
  expect(await (await elsewhere.failures()).count()).toBe(1);
});

it('read-only stores create no database', async () => {
  const database = sqliteUrl();
  const stores = await storesFor({ database, readOnly: true });
  await expect(stores.store.routes()).rejects.toThrow('routeperf migrate');
  expect(sqliteTables(database)).toEqual([]);
});
