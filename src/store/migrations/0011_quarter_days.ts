import type { Kysely } from 'kysely';

const QUARTER_DAY_MS = 21_600_000;

/**
 * Quarter-day buckets (6 hours), which the rollup writes from now on beside the others: a read of the last
 * 24 hours sums a few of them instead of up to 24 hours. What was rolled up before has none, so in a store
 * that has rolled-up buckets they are kept, and read, from the next whole quarter day on: minutes rolled up
 * until then go into hours and days only, as before. In a store with nothing rolled up, from the start.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const rolled = await db.selectFrom('rollups').select('route_id').limit(1).executeTakeFirst();
  if (rolled === undefined) return;
  const next = Math.ceil(Date.now() / QUARTER_DAY_MS) * QUARTER_DAY_MS;
  await db.insertInto('control').values({ name: 'rollup_quarter_days_from', value: next }).execute();
}
