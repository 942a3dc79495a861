import { afterEach } from 'vitest';
import { Store, type StoreOptions } from '../../src/store/store.js';
import { uniquePrefix } from './databases.js';
import { sqliteUrl } from './sqlite.js';

/** Opens SQLite stores of their own (fresh file, fresh prefix) for a test file; closes them after each test. */
export function useSqliteStores() {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  return function openStore(): Store {
    const store = new Store(sqliteStoreOptions());
    stores.push(store);
    return store;
  };
}

/** The settings of a store on a fresh SQLite file of its own, with `overrides`. */
export function sqliteStoreOptions(overrides: Partial<StoreOptions> = {}): StoreOptions {
  return {
    database: sqliteUrl(),
    tablePrefix: uniquePrefix(),
    environment: 'test',
    autoSetup: true,
    maxRoutes: 1000,
    accessRecords: { enabled: false, retentionDays: null },
    onBackgroundError: () => {},
    ...overrides,
  };
}

/** What a store counted, per `METHOD route status`. */
export async function countsByRouteAndStatus(store: Pick<Store, 'routes'>): Promise<Record<string, number>> {
  const routes = await store.routes();
  return Object.fromEntries(
    routes.flatMap((route) =>
      Object.entries(route.statusCodes).map(([status, count]) => [
        `${route.method} ${route.route} ${status}`,
        count,
      ]),
    ),
  );
}
