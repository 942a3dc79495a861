import type { Kysely } from 'kysely';
import { DAY_MS, type Database } from './tables.js';

/** One route: its method and template, in an environment (default: the configured one). */
export interface RouteIdentity {
  environment?: string;
  method: string;
  route: string;
}

/** The tables of a route's buckets: its minutes and its rolled-up resolutions. */
export const BUCKET_TABLES = [
  'aggregates',
  'status_counts',
  'histogram',
  'rollups',
  'rollup_statuses',
] as const;

/** The requests the buckets of `routeIds` hold: their minutes, and their day buckets (every rolled-up request is in one until the days expire). */
export async function requestsHeld(db: Kysely<Database>, routeIds: readonly number[]): Promise<number> {
  const held = await db
    .selectFrom('aggregates')
    .select((eb) => eb.fn.sum<number>('count').as('n'))
    .where('route_id', 'in', routeIds)
    .executeTakeFirst();
  const rolled = await db
    .selectFrom('rollups')
    .select((eb) => eb.fn.sum<number>('count').as('n'))
    .where('route_id', 'in', routeIds)
    .where('resolution', '=', DAY_MS)
    .executeTakeFirst();
  return Number(held?.n ?? 0) + Number(rolled?.n ?? 0);
}
