import type { TrackerOptions } from './tracker.js';

/** A driver's method, whatever its `this` and arguments. */
export type Method = (this: any, ...args: any[]) => unknown;

/** The options a replacement reads at each call: tracking the same driver again replaces them. */
export interface Tracking {
  options: TrackerOptions | undefined;
}

/** Marks a replacement, so that tracking twice finds it and never wraps it again. */
const TRACKED = Symbol.for('routeperf.trackedMethod');

type Replacement = Method & { [TRACKED]?: Tracking };

/** The object of `prototype`'s chain (itself included) that defines `name`, if any does. */
function ownerOf(prototype: object, name: string): object | undefined {
  for (let owner: object | null = prototype; owner; owner = Object.getPrototypeOf(owner))
    if (Object.hasOwn(owner, name)) return owner;
  return undefined;
}

/**
 * Replaces the method `name` where `prototype`'s chain defines it by `wrap(original, tracking)`, keeping
 * the property's attributes: every instance sharing that prototype, made before or after, goes through
 * the replacement. A method replaced already is left as it is, and only gets `options`.
 */
export function replaceMethod(
  prototype: object,
  name: string,
  options: TrackerOptions | undefined,
  wrap: (original: Method, tracking: Tracking) => Method,
): void {
  const owner = ownerOf(prototype, name);
  const descriptor = owner && Object.getOwnPropertyDescriptor(owner, name);
  const current = descriptor?.value as Replacement | undefined;
  if (!owner || typeof current !== 'function') return;
  const tracked = current[TRACKED];
  if (tracked) {
    tracked.options = options;
    return;
  }
  const tracking: Tracking = { options };
  const replacement = wrap(current, tracking);
  Object.defineProperty(replacement, TRACKED, { value: tracking });
  Object.defineProperty(owner, name, { ...descriptor, value: replacement });
}

/** `replaceMethod` for a replacement that reads no options: wraps `name` once, wherever it is defined. */
export function wrapMethod(prototype: object, name: string, wrap: (original: Method) => Method): void {
  replaceMethod(prototype, name, undefined, (original) => wrap(original));
}
