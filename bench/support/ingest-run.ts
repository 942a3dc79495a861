/**
 * What one run of `npm run bench:ingest` creates, and deletes at its end: the store under a prefix of its
 * own, a plain connection to its database, its transports, and the empty tables of the raw methods.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Transport, TransportContext } from '../../src/bus/transport.js';
import { openTransport } from '../../src/bus/transports/index.js';
import { Store } from '../../src/store/store.js';
import { message } from './ingest-phases.js';
import {
  type RunNames,
  SERVICES,
  type Settings,
  type StoreName,
  TRANSPORTS,
  type TransportKind,
  type TransportName,
} from './ingest-settings.js';
import {
  accessRecordRows,
  narrowRows,
  openPostgres,
  openSqlite,
  type PlainDatabase,
  type RawRows,
} from './plain-database.js';

/** Names, store, plain connection and DSNs of one run, and what deletes them. */
export async function openRun(
  storeName: StoreName,
  transportName: TransportName,
  accessRecords: boolean,
  dir: string,
  settings: Settings,
) {
  const tag = randomBytes(4).toString('hex');
  const names: RunNames = { tag, tablePrefix: `rpb_${tag}_`, channel: `routeperf-bench-${tag}` };
  const kind: TransportKind = TRANSPORTS[transportName];
  const sqliteFile = join(dir, `${tag}.sqlite`);
  const database = storeName === 'postgres' ? SERVICES.postgres : `sqlite:${sqliteFile}`;
  const store = new Store({
    database,
    tablePrefix: names.tablePrefix,
    environment: 'production',
    autoSetup: false,
    maxRoutes: 1000,
    accessRecords: { enabled: accessRecords, retentionDays: null },
    onBackgroundError,
  });
  const plain: PlainDatabase =
    storeName === 'postgres' ? await openPostgres(database) : await openSqlite(sqliteFile);
  const dsn = kind.dsn(names, settings.batchSize);
  const open = new Set<Transport>();
  /** A transport of the run, closed by `closeTransport` or at the end. */
  const openTransportOf = async (role: string) => {
    const context: TransportContext = {
      database,
      tablePrefix: names.tablePrefix,
      consumerName: `bench-${tag}-${role}`,
      onBackgroundError,
    };
    const transport = await openTransport(dsn, context);
    open.add(transport);
    return transport;
  };
  const closeTransport = async (transport: Transport) => {
    open.delete(transport);
    await transport.close().catch(onBackgroundError);
  };
  const cleanUp = async () => {
    for (const transport of [...open]) await closeTransport(transport);
    await store.close().catch(onBackgroundError);
    await kind.remove?.(names).catch(onBackgroundError);
    await plain.dropTables(names.tablePrefix).catch(onBackgroundError);
    await plain.close().catch(onBackgroundError);
    if (storeName === 'sqlite') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
    }
  };
  return { names, database, store, plain, openTransportOf, closeTransport, cleanUp };
}
export type OpenRun = Awaited<ReturnType<typeof openRun>>;

export function onBackgroundError(error: unknown) {
  process.stderr.write(`  background error: ${message(error)}\n`);
}

/** A table for each raw method, empty: narrow rows (access records off) or access records (on). */
export async function rawTables(run: OpenRun, accessRecords: boolean): Promise<Map<string, RawRows>> {
  const tables = new Map<string, RawRows>();
  for (const [i, method] of run.plain.methods.entries()) {
    const prefix = `${run.names.tablePrefix}raw${i}_`;
    tables.set(
      method,
      accessRecords
        ? await emptyAccessRecords(run.database, prefix)
        : await narrowRows(run.plain, `${prefix}narrow`),
    );
  }
  return tables;
}

/**
 * A second, empty `access_records` table made by the store's own migrations under `tablePrefix`, for
 * the raw yardstick with access records: the same rows into the same kind of table, by plain INSERTs.
 */
async function emptyAccessRecords(database: string, tablePrefix: string) {
  const store = new Store({
    database,
    tablePrefix,
    environment: 'production',
    autoSetup: false,
    maxRoutes: 1000,
    accessRecords: { enabled: true, retentionDays: null },
    onBackgroundError,
  });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return accessRecordRows(`${tablePrefix}access_records`);
}
