/**
 * The access statistics page (`<path>/access`): when requests come, in UTC, of every route or of one:
 * by weekday and hour (a 7 × 24 heatmap, a CSS grid whose cells are coloured by their share of the
 * busiest one, with the numbers in a table below), by hour of the day and by weekday (bar charts).
 */
import { html, type SafeHtml } from '../html.js';
import type { AccessStatistics } from '../page-data.js';
import type { RouteParams } from '../page-params.js';
import { linkTo, routeLink, viewQuery } from '../params.js';
import { chartCard } from './charts.js';
import { layout, type PageContext, viewBar } from './layout.js';

/** How many colour levels the heatmap has: `h0` (no request) to `h9` (the busiest cells). */
const LEVELS = 9;

/** The weekday names of the page's language, Sunday first. */
function weekdays(locale: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
  // 7 January 2024 was a Sunday.
  return Array.from({ length: 7 }, (_, day) => format.format(Date.UTC(2024, 0, 7 + day)));
}

const HOURS = Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'));

export function accessPage(context: PageContext, params: RouteParams, stats: AccessStatistics): string {
  const { t, formats } = context;
  const days = weekdays(t.locale);
  const total = stats.byWeekday.reduce((sum, count) => sum + count, 0);
  const one = params.route !== undefined;
  const title = one ? `${params.method ?? ''} ${params.route}`.trim() : t('accessAll');
  return layout(context, {
    title: t('navAccess'),
    section: 'access',
    bar: viewBar(context, params, `${context.base}/access`, { method: params.method, route: params.route }),
    main: html`<h1>${t('navAccess')}</h1>
<p class="window">${t('window', { from: formats.date(params.window.since), to: formats.date(params.window.until) })}</p>
<p>${one ? html`<a href="${routeLink(context.base, params, { method: params.method ?? '', route: params.route! })}" class="mono">${title}</a> · <a href="${linkTo(`${context.base}/access`, viewQuery(params))}">${t('accessAll')}</a>` : title}
· ${t('accessUtc', { total: formats.count(total) })}</p>
${total === 0 ? html`<p class="card muted">${t('noData')}</p>` : ''}
${heatmap(context, stats, days)}
<div class="charts">
${chartCard('access-hours', t('accessByHour'), t('accessByHourSummary'), {
  x: HOURS.map((_, hour) => hour),
  labels: HOURS,
  axes: [{ scale: 'count', label: t('trendRequests') }],
  series: [{ label: t('trendRequests'), scale: 'count', values: stats.byHour, color: 1, bars: true }],
})}
${chartCard('access-weekdays', t('accessByWeekday'), t('accessByWeekdaySummary'), {
  x: days.map((_, day) => day),
  labels: days,
  axes: [{ scale: 'count', label: t('trendRequests') }],
  series: [{ label: t('trendRequests'), scale: 'count', values: stats.byWeekday, color: 1, bars: true }],
})}
</div>
${one ? '' : html`<p class="muted">${t('accessPickRoute')} <a href="${linkTo(`${context.base}/routes`, viewQuery(params))}">${t('navRoutes')}</a></p>`}`,
  });
}

function heatmap(context: PageContext, stats: AccessStatistics, days: string[]): SafeHtml {
  const { t, formats } = context;
  const busiest = Math.max(0, ...stats.heatmap.flat());
  const level = (count: number) => (count === 0 ? 0 : Math.max(1, Math.ceil((count / busiest) * LEVELS)));
  const cell = (day: number, hour: number, count: number) => {
    const label = t('accessCell', { day: days[day]!, hour: HOURS[hour]!, count: formats.count(count) });
    return html`<span class="cell h${level(count)}" title="${label}" data-count="${count}"></span>`;
  };
  return html`<section class="card"><h2>${t('accessHeatmap')}</h2>
<div class="heatmap" role="img" aria-label="${t('accessHeatmap')}: ${t('accessHeatmapSummary', { busiest: formats.count(busiest) })}">
<span></span>${HOURS.map((hour) => html`<span class="hour">${hour}</span>`)}
${stats.heatmap.map((row, day) => html`<span class="day">${days[day]}</span>${row.map((count, hour) => cell(day, hour, count))}`)}
</div>
<p class="muted">${t('accessHeatmapSummary', { busiest: formats.count(busiest) })}</p>
<details><summary>${t('accessAsTable')}</summary><div class="table-wrap"><table class="compact" data-table="heatmap">
<thead><tr><th scope="col" class="text">UTC</th>${HOURS.map((hour) => html`<th scope="col">${hour}</th>`)}</tr></thead>
<tbody>${stats.heatmap.map(
    (row, day) =>
      html`<tr><th scope="row" class="text">${days[day]}</th>${row.map((count) => html`<td>${formats.count(count)}</td>`)}</tr>`,
  )}</tbody></table></div></details>
</section>`;
}
