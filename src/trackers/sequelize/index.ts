import { trackQuery } from '../../core/scope.js';
import { shapeSource, type TrackerOptions } from '../tracker.js';

/** The subset of a Sequelize instance that `trackSequelize` uses. */
export interface SequelizeInstance {
  query(sql: any, ...rest: any[]): Promise<unknown>;
}

const tracked = new WeakSet<object>();

/**
 * Counts every query of `sequelize` against the request that runs it, and returns `sequelize`:
 * `const sequelize = trackSequelize(new Sequelize(url))`. Model methods, `sequelize.query` and
 * transactions (`START TRANSACTION`, `COMMIT` and `ROLLBACK` included) all run through the instance's
 * `query` method, which this wraps: each call counts as one query from the moment it is made (waiting
 * for a pooled connection included), with the SQL's shape, whether it succeeds or fails. Sequelize's
 * `beforeQuery` and `afterQuery` hooks are not used: they run only once a connection is held, so they
 * would miss a query that fails to get one and the wait for it. Calling it again changes nothing.
 */
export function trackSequelize<Instance extends SequelizeInstance>(
  sequelize: Instance,
  options?: TrackerOptions,
): Instance {
  if (typeof sequelize?.query !== 'function' || tracked.has(sequelize)) return sequelize;
  tracked.add(sequelize);
  const query = sequelize.query;
  sequelize.query = function trackedQuery(this: unknown, sql: unknown, ...rest: unknown[]) {
    return trackQuery(() => query.call(this, sql, ...rest), shapeSource(options, textOf(sql)));
  };
  return sequelize;
}

/** `sequelize.query` takes the SQL text, or `{ query, values }`. */
function textOf(sql: unknown): string | undefined {
  if (typeof sql === 'string') return sql;
  if (typeof sql !== 'object' || sql === null || !('query' in sql)) return undefined;
  return typeof sql.query === 'string' ? sql.query : undefined;
}
