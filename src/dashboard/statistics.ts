/**
 * The statistics page's figures, computed from the window's route summaries and nothing else: for each
 * metric, how its values spread over the routes (mean, median, p90, p95, standard deviation) and which
 * routes lie outside Tukey's fences; how request time goes with queries, query time and memory (Pearson's
 * r over the same routes' pairs); and recommendations that name routes and say why. Pure: no I/O.
 */

/** The figures of one route that the statistics use. Times in ms, memory in bytes. */
export interface RouteFigures {
  method: string;
  route: string;
  count: number;
  avgTime: number;
  p95: number;
  queries: number;
  queryTime: number;
  memory: number;
  errorRate: number;
  /** Requests that ran one statement more than nPlusOneThreshold times, and that statement if known. */
  nPlusOneRequests: number;
  repeatedQuery: string | null;
}

export const METRICS = ['avgTime', 'p95', 'queries', 'queryTime', 'memory', 'errorRate'] as const;
export type MetricName = (typeof METRICS)[number];

export interface Outlier {
  method: string;
  route: string;
  value: number;
  side: 'high' | 'low';
}

/** How one metric spreads over the routes. */
export interface Distribution {
  metric: MetricName;
  count: number;
  mean: number;
  median: number;
  p90: number;
  p95: number;
  /** Population standard deviation. */
  stdDev: number;
  /** Tukey's fences: Q1 − 1.5·IQR and Q3 + 1.5·IQR. */
  fences: { low: number; high: number };
  /** Routes outside the fences, farthest first. */
  outliers: Outlier[];
}

export const CORRELATED = ['queries', 'queryTime', 'memory'] as const;

/** Pearson's r of average request time and another metric, over the routes that have both. */
export interface Correlation {
  with: (typeof CORRELATED)[number];
  /** Null with fewer than 3 routes, or when either metric is the same for every route. */
  r: number | null;
  pairs: number;
}

export type Recommendation =
  | { kind: 'nPlusOne'; method: string; route: string; requests: number; count: number; query: string | null }
  | { kind: 'queryBound'; method: string; route: string; share: number; queryTime: number; avgTime: number }
  | { kind: 'errors'; method: string; route: string; errorRate: number; count: number }
  | { kind: 'outlier'; method: string; route: string; metric: MetricName; value: number; fence: number };

export interface Statistics {
  routes: number;
  distributions: Distribution[];
  correlations: Correlation[];
  recommendations: Recommendation[];
}

/** A route whose query time is at least this share of its request time waits mostly on the database. */
export const QUERY_BOUND_SHARE = 0.5;
/** A route with at least this share of 5xx answers is worth a look. */
export const HIGH_ERROR_RATE = 0.05;

/** Quantile `q` of sorted values, interpolated between the nearest ranks (the usual "type 7"). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The population standard deviation. */
export function stdDev(values: readonly number[]): number {
  const average = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - average) ** 2)));
}

/** Pearson's correlation coefficient of paired values; null with fewer than 3 pairs or no variance. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return null;
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** How `metric` spreads over `routes`, and the routes outside Tukey's fences. */
export function distribution(routes: readonly RouteFigures[], metric: MetricName): Distribution {
  const values = routes.map((route) => route[metric]);
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const fences = { low: q1 - 1.5 * (q3 - q1), high: q3 + 1.5 * (q3 - q1) };
  const outliers = routes
    .filter((route) => route[metric] > fences.high || route[metric] < fences.low)
    .map((route): Outlier => {
      const value = route[metric];
      return { method: route.method, route: route.route, value, side: value > fences.high ? 'high' : 'low' };
    })
    .sort((a, b) => distanceOut(b, fences) - distanceOut(a, fences) || a.route.localeCompare(b.route));
  return {
    metric,
    count: values.length,
    mean: mean(values),
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    stdDev: stdDev(values),
    fences,
    outliers,
  };
}

const distanceOut = (outlier: Outlier, fences: Distribution['fences']) =>
  outlier.side === 'high' ? outlier.value - fences.high : fences.low - outlier.value;

/** Pearson's r of average request time and each of CORRELATED, on the pairs of the same routes. */
export function correlations(routes: readonly RouteFigures[]): Correlation[] {
  const times = routes.map((route) => route.avgTime);
  return CORRELATED.map((metric) => ({
    with: metric,
    r: pearson(
      times,
      routes.map((route) => route[metric]),
    ),
    pairs: routes.length,
  }));
}

/** The metrics whose high outliers are worth a recommendation: a route that stands out as costly. */
const COSTLY: readonly MetricName[] = ['avgTime', 'p95', 'queries', 'memory'];

/** What to look at, route by route: N+1 suspects, query-bound routes, errors, then high outliers. */
export function recommendations(
  routes: readonly RouteFigures[],
  distributions: readonly Distribution[],
): Recommendation[] {
  const byRequests = [...routes].sort((a, b) => b.count - a.count || a.route.localeCompare(b.route));
  const found: Recommendation[] = [];
  for (const route of [...byRequests].sort((a, b) => b.nPlusOneRequests - a.nPlusOneRequests)) {
    if (route.nPlusOneRequests > 0)
      found.push({
        kind: 'nPlusOne',
        method: route.method,
        route: route.route,
        requests: route.nPlusOneRequests,
        count: route.count,
        query: route.repeatedQuery,
      });
  }
  const share = (route: RouteFigures) => (route.avgTime > 0 ? route.queryTime / route.avgTime : 0);
  for (const route of [...byRequests].sort((a, b) => share(b) - share(a))) {
    if (share(route) >= QUERY_BOUND_SHARE)
      found.push({
        kind: 'queryBound',
        method: route.method,
        route: route.route,
        share: Math.min(1, share(route)),
        queryTime: route.queryTime,
        avgTime: route.avgTime,
      });
  }
  for (const route of [...byRequests].sort((a, b) => b.errorRate - a.errorRate)) {
    if (route.errorRate >= HIGH_ERROR_RATE)
      found.push({
        kind: 'errors',
        method: route.method,
        route: route.route,
        errorRate: route.errorRate,
        count: route.count,
      });
  }
  for (const spread of distributions.filter((one) => COSTLY.includes(one.metric))) {
    for (const { method, route, value, side } of spread.outliers)
      if (side === 'high')
        found.push({
          kind: 'outlier',
          method,
          route,
          metric: spread.metric,
          value,
          fence: spread.fences.high,
        });
  }
  return found;
}

export function routeStatistics(routes: readonly RouteFigures[]): Statistics {
  const distributions = METRICS.map((metric) => distribution(routes, metric));
  return {
    routes: routes.length,
    distributions,
    correlations: correlations(routes),
    recommendations: recommendations(routes, distributions),
  };
}
