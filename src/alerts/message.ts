import type { AlertMetric, AlertNotification, ResolvedAlertRule } from '../config/alert-types.js';
import type { AlertSubject } from '../store/alert-states.js';

const number = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const MIB = 1024 * 1024;

/** What each metric is called in a message, and how its values read. */
const METRICS: Record<AlertMetric, { label: string; format: (value: number) => string }> = {
  p95: { label: 'p95 request time', format: (v) => `${number.format(v)} ms` },
  p99: { label: 'p99 request time', format: (v) => `${number.format(v)} ms` },
  avg: { label: 'average request time', format: (v) => `${number.format(v)} ms` },
  errorRate: { label: 'error rate (5xx)', format: (v) => `${number.format(v * 100)} %` },
  queries: { label: 'queries per request', format: (v) => number.format(v) },
  nPlusOne: { label: 'requests with an N+1 query', format: (v) => number.format(v) },
  memory: { label: 'peak memory', format: (v) => `${number.format(v / MIB)} MiB` },
  throughput: { label: 'throughput', format: (v) => `${number.format(v)} requests/min` },
};

/** What a message is about, in words: a route of an environment, or every route of one. */
export function subjectText({ method, route, environment }: Omit<AlertSubject, 'rule'>): string {
  return route === null ? `all routes of ${environment}` : `${method} ${route} (${environment})`;
}

/** The whole message about one subject of a rule, titled and worded for people, with its figures for programs. */
export function notificationOf(
  rule: ResolvedAlertRule,
  subject: AlertSubject,
  message: { status: 'firing' | 'resolved'; repeat: boolean },
  figures: { value: number; requests: number; since: Date | null },
  now: Date,
): AlertNotification {
  const { label, format } = METRICS[rule.metric];
  const state = message.status === 'resolved' ? 'RESOLVED' : message.repeat ? 'STILL FIRING' : 'FIRING';
  const title = `[routeperf] ${state} ${rule.name}: ${label} of ${subjectText(subject)} is ${format(figures.value)} (${rule.comparison} ${format(rule.threshold)})`;
  const since = figures.since ?? now;
  const text = [
    title,
    `Rule ${rule.name}: ${label} ${rule.comparison} ${format(rule.threshold)} over the last ${rule.window}.`,
    `${number.format(figures.requests)} requests in the window; ${message.status === 'resolved' ? `it matched from ${since.toISOString()} to ${now.toISOString()}` : `matching since ${since.toISOString()}`}.`,
  ].join('\n');
  return {
    status: message.status,
    repeat: message.repeat,
    rule: rule.name,
    environment: subject.environment,
    method: subject.method,
    route: subject.route,
    metric: rule.metric,
    comparison: rule.comparison,
    threshold: rule.threshold,
    value: figures.value,
    requests: figures.requests,
    window: rule.window,
    since,
    at: now,
    title,
    text,
  };
}
