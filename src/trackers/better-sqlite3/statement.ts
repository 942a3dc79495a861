import { endQuery, type StartedQuery, startQuery, trackQuery } from '../../core/scope.js';
import { type Method, replaceMethod, type Tracking } from '../replace-method.js';
import { shapeSource } from '../tracker.js';

/** A prepared statement keeps its SQL as `source`. */
function sourceOf(statement: unknown): string | undefined {
  const source = (statement as { source?: unknown } | null | undefined)?.source;
  return typeof source === 'string' ? source : undefined;
}

/** A replacement that times each call as one query, whose SQL `sqlOf` finds. */
function timedCall(sqlOf: (self: unknown, args: unknown[]) => string | undefined) {
  return (original: Method, tracking: Tracking): Method =>
    function timed(this: unknown, ...args: unknown[]) {
      return trackQuery(() => original.apply(this, args), shapeSource(tracking.options, sqlOf(this, args)));
    };
}

/** `Statement.prototype.run`, `get` and `all`: one query each, timed while it runs (it blocks). */
export const trackedStatementCall = timedCall((statement) => sourceOf(statement));

/** `Database.prototype.exec`: its SQL, one statement or several, counts as one query. */
export const trackedExec = timedCall((_database, args) =>
  typeof args[0] === 'string' ? args[0] : undefined,
);

/**
 * Iterations under way, by iterator: `iterate()` only prepares one, each `next()` reads a row, so the
 * query's time runs until the iterator is done, returned (a `for…of` left early) or throws.
 */
const iterations = new WeakMap<object, StartedQuery>();
/** The iterators' prototype, reached from the first one `iterate()` returns once tracked. */
let trackedIteratorPrototype: object | null = null;

function endIteration(iterator: object): void {
  const started = iterations.get(iterator);
  if (!started) return;
  iterations.delete(iterator);
  endQuery(started);
}

function trackedNext(original: Method): Method {
  return function next(this: object, ...args: unknown[]) {
    if (!iterations.has(this)) return original.apply(this, args);
    let step: unknown;
    try {
      step = original.apply(this, args);
    } catch (error) {
      endIteration(this);
      throw error;
    }
    if ((step as IteratorResult<unknown> | undefined)?.done) endIteration(this);
    return step;
  };
}

function trackedReturn(original: Method): Method {
  return function returnEarly(this: object, ...args: unknown[]) {
    try {
      return original.apply(this, args);
    } finally {
      endIteration(this);
    }
  };
}

function followIteration(iterator: object, started: StartedQuery): void {
  const prototype = Object.getPrototypeOf(iterator) as object | null;
  if (prototype && prototype !== trackedIteratorPrototype) {
    replaceMethod(prototype, 'next', undefined, trackedNext);
    replaceMethod(prototype, 'return', undefined, trackedReturn);
    trackedIteratorPrototype = prototype;
  }
  iterations.set(iterator, started);
}

/** `Statement.prototype.iterate`: one query, timed from this call until its iterator ends. */
export function trackedIterate(original: Method, tracking: Tracking): Method {
  return function iterate(this: unknown, ...args: unknown[]) {
    const started = startQuery(shapeSource(tracking.options, sourceOf(this)));
    if (!started) return original.apply(this, args);
    let iterator: unknown;
    try {
      iterator = original.apply(this, args);
    } catch (error) {
      endQuery(started);
      throw error;
    }
    if (typeof iterator === 'object' && iterator !== null) followIteration(iterator, started);
    else endQuery(started);
    return iterator;
  };
}
