import { AsyncResource } from 'node:async_hooks';
import { type Method, wrapMethod } from '../replace-method.js';
import { countingUnpublished, noteCommand } from './counting.js';

/** The classes (prototypes) of the pools and connections seen so far: each is patched once. */
const seen = new WeakSet<object>();

/**
 * mysql2 runs a callback from wherever its socket delivers the answer, or from whichever request released
 * the pool connection a caller waited for: in someone else's async context. So each query would start,
 * and be counted, in another request. Patching the class of `core` (a pool, or a connection) once makes
 * its callbacks and command events run in the async context of the call that gave them, as Node's own
 * callbacks do; mysql2's tracing channels then report each query in the request that issued it.
 */
export function propagateContext(core: object): void {
  const kind = Object.getPrototypeOf(core) ?? core;
  if (seen.has(kind)) return;
  seen.add(kind);
  if ('addCommand' in core) {
    wrapMethod(core, 'addCommand', bindingCommand);
    wrapMethod(core, 'query', countingCommands);
    wrapMethod(core, 'execute', countingCommands);
    // A statement from `prepare` runs its `execute` with no SQL of its own and publishes nothing.
    wrapMethod(core, 'prepare', withCallbackHook(countingStatements));
  } else wrapMethod(core, 'getConnection', withCallbackHook(propagateContext));
}

/** `query` and `execute` take the SQL, an options object with it, or (from a pool) a query command. */
const countingCommands = countingUnpublished((_, [sql]) =>
  typeof sql === 'object' && sql !== null ? (sql as { sql?: unknown }).sql : sql,
);

const countingStatementExecute = countingUnpublished((statement) => (statement as { query?: unknown }).query);

const countingStatements = (statement: object) => wrapMethod(statement, 'execute', countingStatementExecute);

/**
 * Wraps a method whose last argument is a callback receiving `(error, value)`: a pool's `getConnection`
 * (also what its `query` and `execute` call), a connection's `prepare`. The callback runs in the caller's
 * context, and `hook` gets the value (a pool connection, a prepared statement) before the callback does.
 */
function withCallbackHook(hook: (value: object) => void) {
  return (original: Method): Method =>
    function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function')
        args[last] = AsyncResource.bind(function (this: unknown, ...results: unknown[]) {
          if (typeof results[1] === 'object' && results[1] !== null) hook(results[1]);
          return callback.apply(this, results);
        });
      return original.apply(this, args);
    };
}

/**
 * A connection's `addCommand(command)`, which every query, execute and transaction statement goes
 * through when it is issued: the command's callback and events run in the context that issued it.
 */
function bindingCommand(original: Method): Method {
  return function (this: unknown, command: unknown, ...rest: unknown[]) {
    if (typeof command === 'object' && command !== null) bindCommand(command as Record<string, unknown>);
    noteCommand(command);
    return original.call(this, command, ...rest);
  };
}

function bindCommand(command: Record<string, unknown>): void {
  const resource = new AsyncResource('routeperf.mysql2.command');
  const { onResult, emit } = command;
  if (typeof onResult === 'function') command.onResult = resource.bind(onResult as Method);
  if (typeof emit === 'function')
    Object.defineProperty(command, 'emit', {
      value: resource.bind(emit as Method),
      writable: true,
      configurable: true,
    });
}
