import { type Kysely, sql } from 'kysely';
import { type BinCount, quantiles } from './histogram.js';
import { BUCKET_MS, type Database } from './tables.js';
import { ms, type TimeInput } from './time-window.js';

export interface TimeseriesQuery {
  environment?: string;
  /** Route template; with `method`, one route; without, every method of it. Default: all routes. */
  route?: string;
  method?: string;
  since: TimeInput;
  until?: TimeInput;
  /** Width of one point in ms, rounded up to whole minutes. Default: one minute. */
  step?: number;
}

export interface TimeseriesPoint {
  /** Start of the point's interval. */
  at: Date;
  count: number;
  errorRate: number;
  requestTime: { avg: number; max: number; p95: number };
}

type SeriesTable = 'aggregates' | 'status_counts' | 'histogram';

/** The points of [since, until), `step` wide, whether or not a request came in each. */
export async function readTimeseries(
  db: Kysely<Database>,
  environment: string,
  query: TimeseriesQuery,
): Promise<TimeseriesPoint[]> {
  const step = Math.max(1, Math.ceil((query.step ?? BUCKET_MS) / BUCKET_MS)) * BUCKET_MS;
  const since = ms(query.since) - (ms(query.since) % step);
  const until = query.until === undefined ? Date.now() : ms(query.until);
  const { totals, errors, bins } = await readSeries(db, { ...query, environment, since, until, step });
  const points: TimeseriesPoint[] = [];
  for (let at = since; at < until; at += step) {
    const row = totals.get(at);
    const count = Number(row?.count ?? 0);
    const bounds = { min: Number(row?.time_min ?? 0), max: Number(row?.time_max ?? 0) };
    const [p95] = quantiles(bins.get(at) ?? [], [0.95] as const, bounds);
    points.push({
      at: new Date(at),
      count,
      errorRate: count ? (errors.get(at) ?? 0) / count : 0,
      requestTime: { avg: count ? Number(row?.time_sum) / count : 0, max: bounds.max, p95 },
    });
  }
  return points;
}

interface SeriesQuery {
  environment: string;
  route?: string;
  method?: string;
  since: number;
  until: number;
  step: number;
}

/** Totals, 5xx counts and histogram bins of each point, by the point's start. */
async function readSeries(db: Kysely<Database>, query: SeriesQuery) {
  const pointOf = (table: SeriesTable) =>
    sql<number>`${sql.ref(`${table}.bucket`)} - ${sql.ref(`${table}.bucket`)} % ${sql.lit(query.step)}`;
  const totals = await series(db, 'aggregates', query)
    .select((eb) => [
      pointOf('aggregates').as('at'),
      eb.fn.sum<number>('aggregates.count').as('count'),
      eb.fn.sum<number>('aggregates.time_sum').as('time_sum'),
      eb.fn.max<number>('aggregates.time_max').as('time_max'),
      eb.fn.min<number>('aggregates.time_min').as('time_min'),
    ])
    .groupBy(pointOf('aggregates'))
    .execute();
  const errors = await series(db, 'status_counts', query)
    .select((eb) => [pointOf('status_counts').as('at'), eb.fn.sum<number>('status_counts.count').as('count')])
    .where('status_counts.status_code', '>=', 500)
    .groupBy(pointOf('status_counts'))
    .execute();
  const bins = await series(db, 'histogram', query)
    .select((eb) => [
      pointOf('histogram').as('at'),
      'histogram.bin',
      eb.fn.sum<number>('histogram.count').as('count'),
    ])
    .groupBy([pointOf('histogram'), 'histogram.bin'])
    .execute();
  const binsAt = new Map<number, BinCount[]>();
  for (const row of bins) {
    const at = Number(row.at);
    binsAt.set(at, [...(binsAt.get(at) ?? []), { bin: Number(row.bin), count: Number(row.count) }]);
  }
  return {
    totals: new Map(totals.map((row) => [Number(row.at), row])),
    errors: new Map(errors.map((row) => [Number(row.at), Number(row.count)])),
    bins: binsAt,
  };
}

/** The rows of `table` in the query's window, for its environment, route and method. */
function series(db: Kysely<Database>, table: SeriesTable, query: SeriesQuery) {
  let builder = db
    .selectFrom(table)
    .innerJoin('routes', 'routes.id', `${table}.route_id`)
    .where('routes.environment', '=', query.environment)
    .where(`${table}.bucket`, '>=', query.since)
    .where(`${table}.bucket`, '<', query.until);
  if (query.route !== undefined) builder = builder.where('routes.route', '=', query.route);
  if (query.method !== undefined) builder = builder.where('routes.method', '=', query.method.toUpperCase());
  return builder;
}
