import { trackBetterSqlite3 } from '../better-sqlite3/index.js';
import { isBetterSqlite3Database } from '../better-sqlite3/targets.js';
import { trackMysql2 } from '../mysql2/index.js';
import { isMysql2PoolOrConnection } from '../mysql2/targets.js';
import { trackPg } from '../pg/index.js';
import { isPgPoolOrClient } from '../pg/targets.js';
import type { TrackerOptions } from '../tracker.js';

export type { TrackerOptions } from '../tracker.js';

/** A driver Drizzle runs on: how to recognise its client in `db.$client`, and the tracker of it. */
interface DrizzleDriver {
  /** What `db.$client` is with this driver, as the error for an unsupported one names it. */
  client: string;
  handles(client: object): boolean;
  track(client: object, options?: TrackerOptions): unknown;
}

/** The drivers `trackDrizzle` supports; another is one more entry. */
const DRIVERS: readonly DrizzleDriver[] = [
  {
    client: 'a pg.Pool or pg.Client (drizzle-orm/node-postgres)',
    handles: isPgPoolOrClient,
    track: trackPg,
  },
  {
    client: 'a better-sqlite3 Database (drizzle-orm/better-sqlite3)',
    handles: isBetterSqlite3Database,
    track: trackBetterSqlite3,
  },
  {
    client: 'a mysql2 Pool or Connection (drizzle-orm/mysql2)',
    handles: isMysql2PoolOrConnection,
    track: trackMysql2,
  },
];

/** What `value` is, in a few words, for an error message. */
function described(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
    ?.name;
  return name && name !== 'Object' ? `a ${name}` : 'a plain object';
}

/**
 * Counts and times the queries of a Drizzle database in each request, by tracking the driver client it
 * runs on (`db.$client`): node-postgres with `trackPg`, better-sqlite3 with `trackBetterSqlite3`, mysql2
 * with `trackMysql2`. Each
 * SQL statement Drizzle sends counts once, with its shape; a transaction's BEGIN and COMMIT count too.
 *
 * Call it once at start-up with the database `drizzle()` returned; it returns it as it is:
 * `const db = trackDrizzle(drizzle(pool))`. As with the driver's own tracker, every client of that
 * driver module is tracked, and calling it again changes nothing but the options.
 *
 * @throws TypeError when `db.$client` is none of the supported drivers' clients.
 */
export function trackDrizzle<T extends object>(db: T, options?: TrackerOptions): T {
  const client = (db as { $client?: unknown }).$client;
  const driver =
    typeof client === 'object' && client !== null ? DRIVERS.find((each) => each.handles(client)) : undefined;
  if (!driver)
    throw new TypeError(
      `trackDrizzle expects a Drizzle database whose db.$client is ${DRIVERS.map((each) => each.client).join(
        ' or ',
      )}; its db.$client is ${described(client)}`,
    );
  driver.track(client as object, options);
  return db;
}
