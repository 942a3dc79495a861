import type { AlertMetric, ResolvedAlertRule } from '../config/alert-types.js';
import { compileIgnore } from '../core/route-filter.js';
import type { Routeperf } from '../routeperf.js';
import type { AlertSubject } from '../store/alert-states.js';

type RouteSummary = Awaited<ReturnType<Routeperf['routes']>>[number];
type WindowSummary = Awaited<ReturnType<Routeperf['summary']>>;

/** The figures a metric is taken from: a route's, or every route's of an environment. */
type Figures = Pick<
  RouteSummary | WindowSummary,
  'count' | 'errorRate' | 'requestTime' | 'queries' | 'memory'
> & {
  nPlusOne: { requests: number };
};

/** A subject of a rule with its metric and requests over the rule's window. */
export interface Measured {
  subject: AlertSubject;
  value: number;
  requests: number;
}

/** The metric's value over a window of `windowMs`. */
export function metricOf(metric: AlertMetric, figures: Figures, windowMs: number): number {
  switch (metric) {
    case 'p95':
      return figures.requestTime.p95;
    case 'p99':
      return figures.requestTime.p99;
    case 'avg':
      return figures.requestTime.avg;
    case 'errorRate':
      return figures.errorRate;
    case 'queries':
      return figures.queries.avg;
    case 'nPlusOne':
      return figures.nPlusOne.requests;
    case 'memory':
      return figures.memory.max;
    case 'throughput':
      return figures.count / (windowMs / 60_000);
  }
}

/**
 * The reads of one evaluation, each made once: rules over the same environment and window share them.
 * Windows end at the evaluation's `now`.
 */
export class WindowReads {
  readonly #routes = new Map<string, Promise<RouteSummary[]>>();
  readonly #summaries = new Map<string, Promise<WindowSummary>>();

  constructor(
    private readonly routeperf: Routeperf,
    private readonly now: number,
  ) {}

  /** Every subject the rule judges in `environment`, with its figures. */
  async measure(rule: ResolvedAlertRule, environment: string): Promise<Measured[]> {
    const since = this.now - rule.windowMs;
    const key = `${environment}\u0000${since}`;
    const query = { environment, since, until: this.now };
    if (rule.per === 'environment') {
      if (!this.#summaries.has(key)) this.#summaries.set(key, this.routeperf.summary(query));
      const summary = await this.#summaries.get(key)!;
      const subject = { rule: rule.name, environment, method: null, route: null };
      return [{ subject, value: metricOf(rule.metric, summary, rule.windowMs), requests: summary.count }];
    }
    if (!this.#routes.has(key)) this.#routes.set(key, this.routeperf.routes({ ...query, sort: 'route' }));
    const watched = rule.routes.length ? compileIgnore(rule.routes) : () => true;
    return (await this.#routes.get(key)!)
      .filter((route) => watched(route.method, route.route))
      .map((route) => ({
        subject: { rule: rule.name, environment, method: route.method, route: route.route },
        value: metricOf(rule.metric, route, rule.windowMs),
        requests: route.count,
      }));
  }
}
