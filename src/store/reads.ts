import { type Kysely, sql } from 'kysely';
import { type BinCount, quantiles } from './histogram.js';
import { BUCKET_MS, type Database } from './tables.js';

export const ROUTE_SORT_KEYS = [
  'avg',
  'max',
  'p50',
  'p90',
  'p95',
  'p99',
  'count',
  'errorRate',
  'queries',
  'queryTime',
  'memory',
  'route',
  'lastAccessed',
] as const;
export type RouteSortKey = (typeof ROUTE_SORT_KEYS)[number];

/** A time as a Date or ms since the epoch. */
export type TimeInput = Date | number;

export interface RoutesQuery {
  /** Default: the configured environment. */
  environment?: string;
  /** Start of the window (inclusive, rounded down to the minute). Default: no bound. */
  since?: TimeInput;
  /** End of the window (exclusive). Default: now. */
  until?: TimeInput;
  /** Case-insensitive substring of the route template. */
  search?: string;
  method?: string;
  /** Default 'avg'. */
  sort?: RouteSortKey;
  /** Default 'desc' ('asc' for 'route'). */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface LatencySummary {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** One route over a window. Times in ms, memory in bytes. */
export interface RouteSummary {
  environment: string;
  method: string;
  route: string;
  count: number;
  /** Requests per HTTP status code, e.g. { "200": 12, "500": 1 }. */
  statusCodes: Record<string, number>;
  /** Share of requests answered with a 5xx status, 0..1. */
  errorRate: number;
  requestTime: LatencySummary;
  queries: { avg: number; max: number; timeAvg: number; timeMax: number };
  memory: { avg: number; max: number };
  firstSeenAt: Date;
  lastAccessedAt: Date;
}

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

const ms = (time: TimeInput) => (time instanceof Date ? time.getTime() : time);
const floorToBucket = (time: number) => time - (time % BUCKET_MS);

/** Dashboard and CLI reads. They touch aggregate tables only, never per-request rows. */
export class StoreReader {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaultEnvironment: string,
  ) {}

  async routes(query: RoutesQuery = {}): Promise<RouteSummary[]> {
    const environment = query.environment ?? this.defaultEnvironment;
    const since = query.since === undefined ? 0 : floorToBucket(ms(query.since));
    const until = query.until === undefined ? Number.MAX_SAFE_INTEGER : ms(query.until);
    let totals = this.db
      .selectFrom('aggregates')
      .innerJoin('routes', 'routes.id', 'aggregates.route_id')
      .select((eb) => [
        'routes.id',
        'routes.method',
        'routes.route',
        'routes.first_seen_at',
        'routes.last_accessed_at',
        eb.fn.sum<number>('aggregates.count').as('count'),
        eb.fn.sum<number>('aggregates.time_sum').as('time_sum'),
        eb.fn.min<number>('aggregates.time_min').as('time_min'),
        eb.fn.max<number>('aggregates.time_max').as('time_max'),
        eb.fn.sum<number>('aggregates.query_count_sum').as('query_count_sum'),
        eb.fn.max<number>('aggregates.query_count_max').as('query_count_max'),
        eb.fn.sum<number>('aggregates.query_time_sum').as('query_time_sum'),
        eb.fn.max<number>('aggregates.query_time_max').as('query_time_max'),
        eb.fn.sum<number>('aggregates.memory_sum').as('memory_sum'),
        eb.fn.max<number>('aggregates.memory_max').as('memory_max'),
      ])
      .where('routes.environment', '=', environment)
      .where('aggregates.bucket', '>=', since)
      .where('aggregates.bucket', '<', until)
      .groupBy([
        'routes.id',
        'routes.method',
        'routes.route',
        'routes.first_seen_at',
        'routes.last_accessed_at',
      ]);
    if (query.method) totals = totals.where('routes.method', '=', query.method.toUpperCase());

    const search = query.search?.toLowerCase();
    const rows = (await totals.execute()).filter(
      (row) => !search || row.route.toLowerCase().includes(search),
    );
    const ids = rows.map((row) => Number(row.id));
    const statuses = await this.#statusCounts(environment, since, until, ids.length > 0);

    const summaries = new Map<number, RouteSummary>();
    for (const row of rows) {
      const count = Number(row.count);
      const statusCodes = statuses.get(Number(row.id)) ?? {};
      const errors = Object.entries(statusCodes).reduce(
        (sum, [code, n]) => sum + (Number(code) >= 500 ? n : 0),
        0,
      );
      summaries.set(Number(row.id), {
        environment,
        method: row.method,
        route: row.route,
        count,
        statusCodes,
        errorRate: count ? errors / count : 0,
        requestTime: {
          avg: Number(row.time_sum) / count,
          min: Number(row.time_min),
          max: Number(row.time_max),
          p50: 0,
          p90: 0,
          p95: 0,
          p99: 0,
        },
        queries: {
          avg: Number(row.query_count_sum) / count,
          max: Number(row.query_count_max),
          timeAvg: Number(row.query_time_sum) / count,
          timeMax: Number(row.query_time_max),
        },
        memory: { avg: Number(row.memory_sum) / count, max: Number(row.memory_max) },
        firstSeenAt: new Date(Number(row.first_seen_at)),
        lastAccessedAt: new Date(Number(row.last_accessed_at)),
      });
    }

    const sort = query.sort ?? 'avg';
    const needsAllPercentiles = /^p\d\d$/.test(sort);
    if (needsAllPercentiles) await this.#fillPercentiles(summaries, since, until);
    const page = sortRoutes([...summaries.values()], sort, query.order).slice(
      query.offset ?? 0,
      query.limit === undefined ? undefined : (query.offset ?? 0) + query.limit,
    );
    if (!needsAllPercentiles) {
      const pageIds = new Map([...summaries].filter(([, summary]) => page.includes(summary)));
      await this.#fillPercentiles(pageIds, since, until);
    }
    return page;
  }

  async timeseries(query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
    const environment = query.environment ?? this.defaultEnvironment;
    const step = Math.max(1, Math.ceil((query.step ?? BUCKET_MS) / BUCKET_MS)) * BUCKET_MS;
    const since = ms(query.since) - (ms(query.since) % step);
    const until = query.until === undefined ? Date.now() : ms(query.until);
    type SeriesTable = 'aggregates' | 'status_counts' | 'histogram';
    const pointOf = (table: SeriesTable) =>
      sql<number>`${sql.ref(`${table}.bucket`)} - ${sql.ref(`${table}.bucket`)} % ${sql.lit(step)}`;
    const series = (table: SeriesTable) => {
      let builder = this.db
        .selectFrom(table)
        .innerJoin('routes', 'routes.id', `${table}.route_id`)
        .where('routes.environment', '=', environment)
        .where(`${table}.bucket`, '>=', since)
        .where(`${table}.bucket`, '<', until);
      if (query.route !== undefined) builder = builder.where('routes.route', '=', query.route);
      if (query.method !== undefined)
        builder = builder.where('routes.method', '=', query.method.toUpperCase());
      return builder;
    };

    const totals = await series('aggregates')
      .select((eb) => [
        pointOf('aggregates').as('at'),
        eb.fn.sum<number>('aggregates.count').as('count'),
        eb.fn.sum<number>('aggregates.time_sum').as('time_sum'),
        eb.fn.max<number>('aggregates.time_max').as('time_max'),
        eb.fn.min<number>('aggregates.time_min').as('time_min'),
      ])
      .groupBy(pointOf('aggregates'))
      .execute();
    const errors = await series('status_counts')
      .select((eb) => [
        pointOf('status_counts').as('at'),
        eb.fn.sum<number>('status_counts.count').as('count'),
      ])
      .where('status_counts.status_code', '>=', 500)
      .groupBy(pointOf('status_counts'))
      .execute();
    const bins = await series('histogram')
      .select((eb) => [
        pointOf('histogram').as('at'),
        'histogram.bin',
        eb.fn.sum<number>('histogram.count').as('count'),
      ])
      .groupBy([pointOf('histogram'), 'histogram.bin'])
      .execute();

    const errorsAt = new Map(errors.map((row) => [Number(row.at), Number(row.count)]));
    const binsAt = new Map<number, BinCount[]>();
    for (const row of bins) {
      const at = Number(row.at);
      binsAt.set(at, [...(binsAt.get(at) ?? []), { bin: Number(row.bin), count: Number(row.count) }]);
    }
    const totalsAt = new Map(totals.map((row) => [Number(row.at), row]));

    const points: TimeseriesPoint[] = [];
    for (let at = since; at < until; at += step) {
      const row = totalsAt.get(at);
      const count = Number(row?.count ?? 0);
      const bounds = { min: Number(row?.time_min ?? 0), max: Number(row?.time_max ?? 0) };
      const [p95] = quantiles(binsAt.get(at) ?? [], [0.95] as const, bounds);
      points.push({
        at: new Date(at),
        count,
        errorRate: count ? (errorsAt.get(at) ?? 0) / count : 0,
        requestTime: { avg: count ? Number(row?.time_sum) / count : 0, max: bounds.max, p95 },
      });
    }
    return points;
  }

  async #statusCounts(environment: string, since: number, until: number, wanted: boolean) {
    const byRoute = new Map<number, Record<string, number>>();
    if (!wanted) return byRoute;
    const rows = await this.db
      .selectFrom('status_counts')
      .innerJoin('routes', 'routes.id', 'status_counts.route_id')
      .select((eb) => [
        'status_counts.route_id',
        'status_counts.status_code',
        eb.fn.sum<number>('status_counts.count').as('count'),
      ])
      .where('routes.environment', '=', environment)
      .where('status_counts.bucket', '>=', since)
      .where('status_counts.bucket', '<', until)
      .groupBy(['status_counts.route_id', 'status_counts.status_code'])
      .execute();
    for (const row of rows) {
      const id = Number(row.route_id);
      const codes = byRoute.get(id) ?? {};
      codes[String(row.status_code)] = Number(row.count);
      byRoute.set(id, codes);
    }
    return byRoute;
  }

  async #fillPercentiles(summaries: Map<number, RouteSummary>, since: number, until: number) {
    if (summaries.size === 0) return;
    const rows = await this.db
      .selectFrom('histogram')
      .select((eb) => ['route_id', 'bin', eb.fn.sum<number>('count').as('count')])
      .where('route_id', 'in', [...summaries.keys()])
      .where('bucket', '>=', since)
      .where('bucket', '<', until)
      .groupBy(['route_id', 'bin'])
      .execute();
    const binsByRoute = new Map<number, BinCount[]>();
    for (const row of rows) {
      const id = Number(row.route_id);
      binsByRoute.set(id, [
        ...(binsByRoute.get(id) ?? []),
        { bin: Number(row.bin), count: Number(row.count) },
      ]);
    }
    for (const [id, summary] of summaries) {
      const time = summary.requestTime;
      [time.p50, time.p90, time.p95, time.p99] = quantiles(
        binsByRoute.get(id) ?? [],
        [0.5, 0.9, 0.95, 0.99] as const,
        time,
      );
    }
  }
}

const SORT_VALUE: Record<RouteSortKey, (route: RouteSummary) => number | string> = {
  avg: (r) => r.requestTime.avg,
  max: (r) => r.requestTime.max,
  p50: (r) => r.requestTime.p50,
  p90: (r) => r.requestTime.p90,
  p95: (r) => r.requestTime.p95,
  p99: (r) => r.requestTime.p99,
  count: (r) => r.count,
  errorRate: (r) => r.errorRate,
  queries: (r) => r.queries.avg,
  queryTime: (r) => r.queries.timeAvg,
  memory: (r) => r.memory.avg,
  route: (r) => `${r.route} ${r.method}`,
  lastAccessed: (r) => r.lastAccessedAt.getTime(),
};

const compare = (x: number | string, y: number | string) => (x < y ? -1 : x > y ? 1 : 0);

/** Ties go by route, then method: a total order, so pages of one listing neither repeat nor skip a route. */
function sortRoutes(routes: RouteSummary[], sort: RouteSortKey, order?: 'asc' | 'desc') {
  const value = SORT_VALUE[sort];
  const direction = (order ?? (sort === 'route' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  return routes.sort(
    (a, b) =>
      compare(value(a), value(b)) * direction || compare(a.route, b.route) || compare(a.method, b.method),
  );
}
