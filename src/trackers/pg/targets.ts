/** The prototypes `trackPg` replaces `query` on: of its clients, and of its pools (with `connect`). */
export interface PgPrototypes {
  clients: object[];
  pools: object[];
}

type Candidate = Record<string, unknown>;

function hasQueryAndConnect(value: unknown): value is Candidate {
  const candidate = value as Candidate | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.query === 'function' &&
    typeof candidate.connect === 'function'
  );
}

/** A pg.Pool: it keeps the Client class it makes its clients of. */
function isPool(value: unknown): value is Candidate & { Client: { prototype: object } } {
  return hasQueryAndConnect(value) && typeof value.Client === 'function';
}

/** A pg.Client (pure JavaScript or native): both keep their connection parameters. */
function isClient(value: unknown): value is Candidate {
  return hasQueryAndConnect(value) && typeof value.connectionParameters === 'object';
}

function hasPrototypeQuery(value: unknown): value is { prototype: object } {
  return typeof value === 'function' && typeof value.prototype?.query === 'function';
}

/** The pg module, as `import pg from 'pg'` or `import * as pg from 'pg'` gives it. */
function isModule(value: unknown): value is { Client: { prototype: object }; Pool: { prototype: object } } {
  const candidate = value as Candidate | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    hasPrototypeQuery(candidate.Client) &&
    hasPrototypeQuery(candidate.Pool)
  );
}

/** Whether `value` is a pg.Pool or a pg.Client, as a library built on pg (Drizzle) holds one. */
export function isPgPoolOrClient(value: unknown): boolean {
  return isPool(value) || isClient(value);
}

/** What `trackPg` reaches from `target`, or undefined when it is no pg module, pool or client. */
export function pgPrototypesOf(target: unknown): PgPrototypes | undefined {
  if (isPool(target)) return { clients: [target.Client.prototype], pools: [target] };
  if (isClient(target)) return { clients: [target], pools: [] };
  if (isModule(target)) return { clients: [target.Client.prototype], pools: [target.Pool.prototype] };
  return undefined;
}
