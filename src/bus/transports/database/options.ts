import { resolve } from 'node:path';
import { TABLE_PREFIX, TABLE_PREFIX_EXPECTED } from '../../../config/schema.js';
import { RouteperfError } from '../../../errors.js';
import { dialectFor, type StoreDialect } from '../../../store/dialects/index.js';
import { describeDsn, dsnInteger, dsnString } from '../../dsn.js';
import { rejectUnknownOptions } from '../../dsn-options.js';
import type { TransportContext } from '../../transport.js';
import { QUEUE_NAME_LENGTH } from './queue-table.js';

export interface QueueOptions {
  description: string;
  dialect: StoreDialect;
  /** The queue's database URL, without the transport's parameters. */
  database: string;
  tablePrefix: string;
  queue: string;
  /** A message delivered this long ago (ms) and not acknowledged is delivered again. */
  redeliveryTimeout: number;
  /** Pause (ms) between two claims while the queue is empty. */
  pollInterval: number;
  /** The queue table sits with the store's tables: acknowledging can join the store's transaction. */
  sharesStore: boolean;
  onBackgroundError: (error: unknown) => void;
}

/** The DSN parameters that belong to the transport; every other one is the database driver's. */
const OWN_PARAMETERS = ['queue', 'tablePrefix', 'redeliveryTimeout', 'pollInterval'];
const DEFAULT_TABLE_PREFIX = 'routeperf_';
/** PostgreSQL is woken by NOTIFY, so its poll is only the safety net. */
const DEFAULT_POLL_INTERVAL = { sqlite: 200, postgres: 1000, mysql: 200 } as const;

/** Reads a database transport DSN: `database://default`, or the URL of the database holding the queue. */
export function queueOptions(dsn: URL, context: TransportContext): QueueOptions {
  const inStoreDatabase = dsn.protocol === 'database:';
  if (inStoreDatabase && dsn.host !== 'default') {
    throw invalid(
      dsn,
      `expected database://default (the store's database) or the URL of another database, got database://${dsn.host}`,
    );
  }
  // In the store's database the table prefix is the store's; elsewhere the other options are the driver's.
  rejectUnknownOptions(
    dsn,
    inStoreDatabase
      ? { known: OWN_PARAMETERS.filter((name) => name !== 'tablePrefix') }
      : { known: OWN_PARAMETERS, othersPassedOn: true },
  );
  const database = inStoreDatabase ? context.database : withoutOwnParameters(dsn);
  const dialect = dialectFor(database);
  const tablePrefix = inStoreDatabase
    ? context.tablePrefix
    : dsnString(dsn, 'tablePrefix', DEFAULT_TABLE_PREFIX);
  if (!TABLE_PREFIX.test(tablePrefix)) {
    throw invalid(dsn, `tablePrefix: expected ${TABLE_PREFIX_EXPECTED}, got ${JSON.stringify(tablePrefix)}`);
  }
  const queue = dsnString(dsn, 'queue', 'default');
  if (queue.length > QUEUE_NAME_LENGTH) {
    throw invalid(dsn, `queue: expected a name of ${QUEUE_NAME_LENGTH} characters at most`);
  }
  if (isPrivateMemory(database)) {
    throw invalid(
      dsn,
      'a queue needs a database that producers and workers can share; sqlite::memory: is private to one connection. Use a file (sqlite:./routeperf.sqlite) or a server',
    );
  }
  return {
    description: describeDsn(dsn),
    dialect,
    database,
    tablePrefix,
    queue,
    redeliveryTimeout: dsnInteger(dsn, 'redeliveryTimeout', 60_000),
    pollInterval: dsnInteger(dsn, 'pollInterval', DEFAULT_POLL_INTERVAL[dialect.name]),
    sharesStore:
      inStoreDatabase || (tablePrefix === context.tablePrefix && sameDatabase(database, context.database)),
    onBackgroundError: context.onBackgroundError,
  };
}

function withoutOwnParameters(dsn: URL): string {
  const url = new URL(dsn.href);
  for (const name of OWN_PARAMETERS) url.searchParams.delete(name);
  // A SQLite URL is a file path, which URL parsing percent-encoded (`my db.sqlite`).
  return url.protocol === 'sqlite:' ? decodeURIComponent(url.href) : url.href;
}

function isPrivateMemory(database: string): boolean {
  return /^sqlite:(\/\/)?:memory:/.test(database);
}

/** Whether two database URLs name the same database: the same SQLite file, or the same server URL. */
function sameDatabase(a: string, b: string): boolean {
  const normalize = (url: string) =>
    url.startsWith('sqlite:') ? resolve(url.replace(/^sqlite:(\/\/)?/, '')) : new URL(url).href;
  try {
    return normalize(a) === normalize(b);
  } catch {
    return false;
  }
}

function invalid(dsn: URL, message: string) {
  return new RouteperfError('ROUTEPERF_CONFIG_INVALID', `transport ${describeDsn(dsn)}: ${message}`);
}
