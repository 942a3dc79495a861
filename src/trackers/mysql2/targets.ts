import { createRequire } from 'node:module';

type Loose = Record<string, unknown>;

const require = createRequire(import.meta.url);

/**
 * The mysql2 objects whose classes carry the queries of `target`: the connection and pool classes of a
 * mysql2 module (`mysql2` or `mysql2/promise`), or the pool or connection itself, unwrapped from its
 * promise wrapper (what `.promise()`, `mysql2/promise` and Drizzle's `$client` give).
 */
export function coreObjectsOf(target: unknown): object[] {
  // An ES module namespace keeps the CommonJS exports as its default.
  for (const candidate of [target, isObject(target) ? target.default : undefined]) {
    const module = isPromiseModule(candidate) ? besidePromiseModule(candidate) : candidate;
    if (isCoreModule(module))
      return [prototypeOf(module.Connection), prototypeOf(module.Pool)].filter(isObject);
  }
  if (!isObject(target)) return [];
  const core = [target.pool, target.connection, target].find(
    (value) => isObject(value) && ('getConnection' in value || 'addCommand' in value),
  );
  return core ? [core] : [];
}

/** True for a mysql2 pool or connection, in callback or promise form (what Drizzle's `db.$client` is). */
export function isMysql2PoolOrConnection(value: unknown): boolean {
  return !isCoreModule(value) && !isPromiseModule(value) && coreObjectsOf(value).length > 0;
}

/** `mysql2/promise` exports no core class: its classes are those of the `mysql2` beside it. */
function besidePromiseModule(promiseModule: Loose): Loose | undefined {
  const file = Object.values(require.cache).find((cached) => cached?.exports === promiseModule)?.filename;
  if (!file) return undefined;
  const core: unknown = createRequire(file)('./index.js');
  return isCoreModule(core) ? core : undefined;
}

const isObject = (value: unknown): value is Loose =>
  (typeof value === 'object' || typeof value === 'function') && value !== null;

const prototypeOf = (value: unknown): unknown => (typeof value === 'function' ? value.prototype : undefined);

function isCoreModule(value: unknown): value is Loose {
  const connection = isObject(value) ? prototypeOf(value.Connection) : undefined;
  return isObject(connection) && 'addCommand' in connection;
}

const isPromiseModule = (value: unknown): value is Loose =>
  isObject(value) && typeof value.createPool === 'function' && typeof value.PromisePool === 'function';
