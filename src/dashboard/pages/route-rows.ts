/**
 * The rows of the routes table: one per route, its figures formatted, its cells coloured by the
 * thresholds (with a title that says which was crossed), its status codes as chips and, when it answered
 * with 5xx, an error badge. The route's name links to its page, with a mark when it was reviewed.
 */
import type { RouteSummary } from '../data.js';
import { type Level, levelOf, type Metric } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { routeLink, type ViewParams } from '../params.js';
import type { PageContext } from './layout.js';

/** How a cell of `metric` worth `value` stands: its level, and a title naming the threshold crossed. */
export function thresholdCell(
  context: PageContext,
  metric: Metric,
  value: number,
  shown: (value: number) => string,
): { level: Level; title: string } {
  const level = levelOf(context.thresholds, metric, value);
  if (level === 'ok') return { level, title: '' };
  const limit = context.thresholds[metric][level];
  return {
    level,
    title: context.t(level === 'critical' ? 'thresholdCritical' : 'thresholdWarning', {
      value: shown(limit),
    }),
  };
}

export function routeRows(context: PageContext, view: ViewParams, routes: readonly RouteSummary[]): SafeHtml {
  return html`${routes.map((route) => routeRow(context, view, route))}`;
}

function routeRow(context: PageContext, view: ViewParams, route: RouteSummary): SafeHtml {
  const { formats } = context;
  const ms = (value: number) => `${formats.ms(value)} ms`;
  const cell = (metric: Metric | undefined, value: number, shown: (value: number) => string) => {
    if (!metric) return html`<td>${shown(value)}</td>`;
    const { level, title } = thresholdCell(context, metric, value, shown);
    return level === 'ok'
      ? html`<td>${shown(value)}</td>`
      : html`<td class="${level}" title="${title}" data-level="${level}">${shown(value)}</td>`;
  };
  const time = route.requestTime;
  return html`<tr data-route="${route.route}" data-method="${route.method}">
<td class="text method">${route.method}</td>
<th scope="row" class="text route mono"><a href="${routeLink(context.base, view, route)}">${route.route}</a>${reviewed(context, route)}</th>
${cell(undefined, route.count, (value) => formats.count(value))}
<td>${formats.percent(route.errorRate)}</td>
<td>${statuses(context, route)}</td>
${[time.avg, time.p50, time.p90, time.p95, time.p99, time.max].map((value) => cell('requestTime', value, ms))}
${cell('queryCount', route.queries.avg, (value) => formats.decimal(value))}
${cell(undefined, route.queries.timeAvg, ms)}
${nPlusOne(context, route)}
${cell('memory', route.memory.avg, (value) => formats.bytes(value))}
<td>${formats.date(route.lastAccessedAt)}</td>
</tr>`;
}

/** Status code chips, by code, coloured by class, and a badge when some answers were errors. */
function statuses(context: PageContext, route: RouteSummary): SafeHtml {
  const { t, formats } = context;
  const codes = Object.entries(route.statusCodes).sort(([a], [b]) => a.localeCompare(b));
  const badge =
    route.errorRate > 0
      ? html`<span class="badge">${t('errorBadge', { rate: formats.percent(route.errorRate) })}</span>`
      : '';
  return html`<div class="statuses">${badge}${codes.map(
    ([code, count]) =>
      html`<span class="status s${code[0]}xx" title="${code}: ${formats.count(count)}">${code} ×${formats.count(count)}</span>`,
  )}</div>`;
}

function nPlusOne(context: PageContext, route: RouteSummary): SafeHtml {
  const { t, formats } = context;
  const { requests, query } = route.nPlusOne;
  const title = query ? t('nPlusOneQuery', { query }) : '';
  return requests > 0
    ? html`<td class="warning" title="${title}">${formats.count(requests)}</td>`
    : html`<td>${formats.count(requests)}</td>`;
}

/** A check mark after a reviewed route, its title saying when and by whom. */
function reviewed(context: PageContext, route: RouteSummary): SafeHtml | string {
  const { review } = route;
  if (!review) return '';
  const { t, formats } = context;
  const title = review.reviewer
    ? t('reviewedByOn', { reviewer: review.reviewer, date: formats.date(review.reviewedAt) })
    : t('reviewedOn', { date: formats.date(review.reviewedAt) });
  return html` <span class="reviewed" title="${title}">${t('reviewedMark')}</span>`;
}
