import { trackQuery } from '../../core/scope.js';
import { type Method, wrapMethod } from '../replace-method.js';
import { shapeSource, type TrackerOptions } from '../tracker.js';

export type { TrackerOptions };

/** Knex's client: `query` and `stream` run one statement on a connection, `config` is its own copy. */
interface KnexClient {
  config?: unknown;
}

/**
 * The options of each tracked Knex, by its client's config: the clients of its transactions are made
 * from the same prototype and share that config, so their statements count too.
 */
const tracked = new WeakMap<object, TrackerOptions>();

/**
 * Counts the statements a Knex instance runs in the request that runs them: query builders, `raw`,
 * schema builders, migrations, streams, and transactions (their `BEGIN`, `COMMIT`, `ROLLBACK` and
 * savepoints included). Call it once at start-up; it returns the instance:
 *
 * ```ts
 * import knex from 'knex';
 * import { trackKnex } from 'routeperf/knex';
 *
 * const db = trackKnex(knex({ client: 'pg', connection: process.env.DATABASE_URL }));
 * ```
 *
 * One query is one statement Knex sends to the database, counted once it has a connection (after any wait
 * for the pool) and timed until its result, its error, or the end of its stream; its shape is its SQL
 * with the values stripped. The statements are counted where Knex's client runs them, rather than from
 * the `query` / `query-response` events: those events do arrive in the caller's async context, but
 * transaction statements and streams get no `query-response` or `query-error` (they would count with no
 * time, and the pending queries would pile up). The client's prototype is wrapped once, and counts only
 * for the instances passed here; a clone made later by `withUserParams` is tracked by passing it too.
 * Calling it twice counts nothing twice (the latest options apply). Outside a request nothing is counted.
 */
export function trackKnex<T>(knex: T, options: TrackerOptions = {}): T {
  try {
    const client = (knex as { client?: unknown } | null)?.client;
    if (typeof client !== 'object' || client === null) return knex;
    const { config } = client as KnexClient;
    if (typeof config !== 'object' || config === null) return knex;
    tracked.set(config, options);
    wrapMethod(client, 'query', counting);
    wrapMethod(client, 'stream', counting);
  } catch {
    // Tracking is best effort: an app must never fail because routeperf could not wrap its client.
  }
  return knex;
}

/** `query(connection, statement)` and `stream(connection, statement, …)`, timed for tracked clients. */
function counting(original: Method): Method {
  return function (this: unknown, ...args: unknown[]) {
    const config = (this as KnexClient | undefined)?.config;
    const options = typeof config === 'object' && config !== null ? tracked.get(config) : undefined;
    if (!options) return original.apply(this, args);
    return trackQuery(() => original.apply(this, args), shapeSource(options, sqlOf(args[1])));
  };
}

/** A statement is its SQL, or an object with its SQL and bindings. */
function sqlOf(statement: unknown): string | undefined {
  const sql =
    typeof statement === 'object' && statement !== null ? (statement as { sql?: unknown }).sql : statement;
  return typeof sql === 'string' ? sql : undefined;
}
