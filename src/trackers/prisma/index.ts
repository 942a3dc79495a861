import { AsyncLocalStorage } from 'node:async_hooks';
import { endQuery, type StartedQuery, startNamedQuery, startQuery } from '../../core/scope.js';
import type { TrackerOptions } from '../tracker.js';

/** What Prisma hands a query extension's `$allOperations` hook for each operation it runs. */
export interface PrismaOperation {
  /** The model of a model operation (`User`); undefined for `$queryRaw` and the other raw operations. */
  model?: string;
  /** `findMany`, `create`, `$queryRaw`, `$executeRawUnsafe`, … */
  operation: string;
  args: unknown;
  /** Runs the operation (through the next extension, if any) when its promise is awaited. */
  query: (args: any) => Promise<unknown>;
}

/** The Prisma Client extension that counts each operation: pass it to `prisma.$extends`. */
export interface RouteperfPrismaExtension {
  name: 'routeperf';
  query: { $allOperations(operation: PrismaOperation): Promise<unknown> };
}

/**
 * The operation a routeperf extension is counting, in the async context of everything that runs it: a
 * client extended twice with routeperf reaches the second extension inside the first one's count, and
 * the second one then only passes the operation on.
 */
const counting = new AsyncLocalStorage<string>();

/**
 * A Prisma Client query extension that adds each operation to the request that issued it:
 * `const prisma = new PrismaClient({ adapter }).$extends(routeperfPrisma())`. Every model operation
 * (`User.findMany`) and raw query (`$queryRaw`, `$executeRaw`, their `Unsafe` forms, `$queryRawTyped`)
 * counts as one query, inside transactions too; its shape is `Model.operation`, or the raw query's SQL
 * with its values stripped. Prisma's `query` log event cannot be used instead: it is emitted outside the
 * request that ran the query.
 */
export function routeperfPrisma(options?: TrackerOptions): RouteperfPrismaExtension {
  return {
    name: 'routeperf',
    query: {
      $allOperations({ model, operation, args, query }: PrismaOperation): Promise<unknown> {
        const name = model === undefined ? operation : `${model}.${operation}`;
        const started = counting.getStore() === name ? undefined : startOperation(options, model, name, args);
        if (!started) return query(args);
        // Prisma runs an operation when its promise is awaited: awaiting it here runs it inside `counting`.
        return counting.run(name, async () => {
          try {
            return await query(args);
          } finally {
            endQuery(started);
          }
        });
      },
    },
  };
}

/** The subset of a Prisma Client that `trackPrisma` uses. */
export interface ExtensiblePrismaClient {
  $extends(extension: RouteperfPrismaExtension): unknown;
}

/**
 * Returns `client` extended with `routeperfPrisma(options)`, the client the app then queries through:
 * `const prisma = trackPrisma(new PrismaClient({ adapter }))`. Prisma extensions make a new client
 * rather than change the one given, so queries through the original `client` are not counted. Tracking
 * a tracked client again never counts an operation twice.
 */
export function trackPrisma<Client extends ExtensiblePrismaClient>(
  client: Client,
  options?: TrackerOptions,
): Client {
  if (typeof client?.$extends !== 'function') return client;
  // A query extension adds no method nor model: the extended client has the type of the one given.
  return client.$extends(routeperfPrisma(options)) as Client;
}

function startOperation(
  options: TrackerOptions | undefined,
  model: string | undefined,
  name: string,
  args: unknown,
): StartedQuery | undefined {
  if (options?.recordShapes === false) return startQuery();
  const sql = model === undefined ? rawSql(args) : undefined;
  return sql === undefined ? startNamedQuery(name) : startQuery(sql);
}

/**
 * The SQL of a raw operation: `$queryRaw` and `$queryRawTyped` get an object whose `sql` has `?` for
 * each value, the `Unsafe` forms the SQL text then its values.
 */
function rawSql(args: unknown): string | undefined {
  if (Array.isArray(args)) return typeof args[0] === 'string' ? args[0] : undefined;
  if (typeof args !== 'object' || args === null || !('sql' in args)) return undefined;
  return typeof args.sql === 'string' ? args.sql : undefined;
}
