import { type Kysely, sql } from 'kysely';
import {
  consistentRead,
  latencyBins,
  type RouteFilter,
  statusRows,
  totalsRows,
  withTotals,
} from './bucket-reads.js';
import { quantiles } from './histogram.js';
import { planSeries, type ReadPlan } from './read-plan.js';
import { BUCKET_MS, type Database } from './tables.js';
import { ms, type TimeInput } from './time-window.js';

export interface TimeseriesQuery {
  environment?: string;
  /** Route template; with `method`, one route; without, every method of it. Default: all routes. */
  route?: string;
  method?: string;
  since: TimeInput;
  until?: TimeInput;
  /**
   * Width of one point in ms, rounded up to whole minutes. Default: one minute. Points start at multiples
   * of it since the epoch (UTC), so a day-wide step gives UTC days.
   */
  step?: number;
}

export interface TimeseriesPoint {
  /** Start of the point's interval. */
  at: Date;
  count: number;
  errorRate: number;
  requestTime: { avg: number; max: number; p50: number; p95: number; p99: number };
  /** Queries per request: their average and the most one request ran. */
  queries: { avg: number; max: number };
}

/**
 * The points of [since, until), `step` wide, whether or not a request came in each. The step is raised to
 * a whole hour or day where the minutes (or hours) of `since` were already deleted by retention.
 */
export function readTimeseries(
  db: Kysely<Database>,
  environment: string,
  query: TimeseriesQuery,
): Promise<TimeseriesPoint[]> {
  const asked = Math.max(1, Math.ceil((query.step ?? BUCKET_MS) / BUCKET_MS)) * BUCKET_MS;
  const until = query.until === undefined ? Date.now() : ms(query.until);
  const filter: RouteFilter = { environment, route: query.route, method: query.method };
  return consistentRead(db, async (keptFrom) => {
    const plan = planSeries(ms(query.since) - (ms(query.since) % asked), until, asked, keptFrom, Date.now());
    const { totals, errors, bins } = await readSeries(db, plan, await withTotals(db, filter, plan.since));
    const points: TimeseriesPoint[] = [];
    for (let at = plan.since; at < until; at += plan.step) {
      const row = totals.get(at);
      const count = Number(row?.count ?? 0);
      const bounds = { min: Number(row?.time_min ?? 0), max: Number(row?.time_max ?? 0) };
      const [p50, p95, p99] = quantiles(bins.get(at) ?? [], [0.5, 0.95, 0.99] as const, bounds);
      points.push({
        at: new Date(at),
        count,
        errorRate: count ? (errors.get(at) ?? 0) / count : 0,
        requestTime: { avg: count ? Number(row?.time_sum) / count : 0, max: bounds.max, p50, p95, p99 },
        queries: {
          avg: count ? Number(row?.query_count_sum) / count : 0,
          max: Number(row?.query_count_max ?? 0),
        },
      });
    }
    return points;
  });
}

/** Totals, 5xx counts and histogram bins of each point, by the point's start. */
async function readSeries(db: Kysely<Database>, plan: ReadPlan & { step: number }, filter: RouteFilter) {
  const pointOf = sql<number>`${sql.ref('parts.bucket')} - ${sql.ref('parts.bucket')} % ${sql.lit(plan.step)}`;
  const totals = await db
    .selectFrom(totalsRows(db, plan, filter).as('parts'))
    .select((eb) => [
      pointOf.as('at'),
      eb.fn.sum<number>('parts.count').as('count'),
      eb.fn.sum<number>('parts.time_sum').as('time_sum'),
      eb.fn.max<number>('parts.time_max').as('time_max'),
      eb.fn.min<number>('parts.time_min').as('time_min'),
      eb.fn.sum<number>('parts.query_count_sum').as('query_count_sum'),
      eb.fn.max<number>('parts.query_count_max').as('query_count_max'),
    ])
    .groupBy(pointOf)
    .execute();
  const errors = await db
    .selectFrom(statusRows(db, plan, filter).as('parts'))
    .select((eb) => [pointOf.as('at'), eb.fn.sum<number>('parts.count').as('count')])
    .where('parts.status_code', '>=', 500)
    .groupBy(pointOf)
    .execute();
  const bins = await latencyBins(db, plan, filter, (_, bucket) => bucket - (bucket % plan.step));
  return {
    totals: new Map(totals.map((row) => [Number(row.at), row])),
    errors: new Map(errors.map((row) => [Number(row.at), Number(row.count)])),
    bins,
  };
}
