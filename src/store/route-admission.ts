import type { Transaction } from 'kysely';
import { OVERFLOW_ROUTE, UNMATCHED_ROUTE } from '../record/metrics.js';
import { type RouteRow, routeKey } from './batch-plan.js';
import type { StoreDialect } from './dialects/index.js';
import { TOTALS_METHOD } from './environment-totals.js';
import type { Database } from './tables.js';

const SPECIAL_ROUTES = [UNMATCHED_ROUTE, OVERFLOW_ROUTE];
/** Route names per lookup: far below every dialect's parameter limit. */
const NAMES_PER_QUERY = 5000;

/** What a transaction learnt about the routes of its batch that this process had no id for. */
export interface Admission {
  /** Ids of those routes already in the store. */
  ids: Map<string, number>;
  /** Keys of the new routes past `maxRoutes`: their requests are counted under `(overflow)`. */
  overflowed: Set<string>;
  /** Environments this transaction filled up, to remember once it has committed. */
  filled: string[];
}

/**
 * Keeps `maxRoutes` a property of the store, whatever the number of processes writing to it. A new route
 * enters an environment only in a transaction holding the environment's row of `environments`, which
 * counts the environment's routes: concurrent writers admit new routes one after the other, and none can
 * overshoot the limit. Routes a process knows the id of never come here, so once an app's routes are
 * known, batches take no lock; nor do batches of an environment this process saw full, as routes are
 * never removed.
 *
 * On MySQL the locks are taken before the transaction's first plain read, which fixes its snapshot
 * (REPEATABLE READ): taken later, the snapshot could predate routes the previous lock holder added.
 */
export class RouteAdmission {
  readonly #full = new Set<string>();

  constructor(
    private readonly dialect: StoreDialect,
    private readonly maxRoutes: number,
  ) {}

  /**
   * Looks up `routes` (none known to this process) and decides which new ones are admitted. `isKnown`
   * tells the routes this process has the id of.
   */
  async admit(
    trx: Transaction<Database>,
    routes: readonly RouteRow[],
    isKnown: (key: string) => boolean,
  ): Promise<Admission> {
    const byEnvironment = new Map<string, RouteRow[]>();
    for (const row of routes) {
      const rows = byEnvironment.get(row.environment);
      if (rows) rows.push(row);
      else byEnvironment.set(row.environment, [row]);
    }
    const environments = [...byEnvironment.keys()].sort();
    // A full environment takes no lock, unless the batch may add a route that does not count ((unmatched),
    // or the (overflow) its new routes go to): those are added under the lock too, so that on MySQL the
    // snapshot of every transaction that did not add one comes after it.
    const mayAddUncounted = (rows: RouteRow[]) =>
      rows.some(
        (row) => isSpecial(row.route) || !isKnown(routeKey(row.environment, row.method, OVERFLOW_ROUTE)),
      );
    const locked = environments.filter(
      (environment) => !this.#full.has(environment) || mayAddUncounted(byEnvironment.get(environment)!),
    );
    for (const environment of locked) await this.#lock(trx, environment);

    const admission: Admission = { ids: new Map(), overflowed: new Set(), filled: [] };
    for (const environment of environments) {
      const rows = byEnvironment.get(environment)!;
      await this.#findExisting(trx, environment, rows, admission.ids);
      const fresh = rows.filter((row) => !isSpecial(row.route) && !admission.ids.has(row.key));
      if (fresh.length === 0) continue;
      const room = locked.includes(environment) ? this.maxRoutes - (await this.#count(trx, environment)) : 0;
      for (const row of fresh.slice(Math.max(0, room))) admission.overflowed.add(row.key);
      if (room <= fresh.length) admission.filled.push(environment);
    }
    return admission;
  }

  /** Remembers what a committed transaction found full. */
  committed(admission: Admission): void {
    for (const environment of admission.filled) this.#full.add(environment);
  }

  /** Takes the environment's row lock until the transaction ends, creating the row if need be. */
  async #lock(trx: Transaction<Database>, environment: string) {
    const insert = trx.insertInto('environments').values({ environment, locked_at: Date.now() });
    await this.dialect.upsert(insert, 'environments', ['environment'], { locked_at: 'max' }).execute();
  }

  async #findExisting(
    trx: Transaction<Database>,
    environment: string,
    rows: readonly RouteRow[],
    ids: Map<string, number>,
  ) {
    const names = [...new Set(rows.map((row) => row.route))];
    for (let start = 0; start < names.length; start += NAMES_PER_QUERY) {
      const found = await trx
        .selectFrom('routes')
        .select(['id', 'method', 'route'])
        .where('environment', '=', environment)
        .where('route', 'in', names.slice(start, start + NAMES_PER_QUERY))
        .execute();
      for (const row of found) ids.set(routeKey(environment, row.method, row.route), Number(row.id));
    }
  }

  /** Routes of the environment that count toward the limit. */
  async #count(trx: Transaction<Database>, environment: string): Promise<number> {
    const { n } = await trx
      .selectFrom('routes')
      .select(trx.fn.countAll().as('n'))
      .where('environment', '=', environment)
      .where('route', 'not in', SPECIAL_ROUTES)
      .where('method', '!=', TOTALS_METHOD)
      .executeTakeFirstOrThrow();
    return Number(n);
  }
}

function isSpecial(route: string): boolean {
  return route === UNMATCHED_ROUTE || route === OVERFLOW_ROUTE;
}
