/**
 * A route's page (`<path>/route?method=…&route=…`): its figures over the window, charts of its requests,
 * latency percentiles and queries over time, its status codes, its latency histogram, its N+1 shape,
 * its review (and the review form), its slowest recent requests, and deleting its data when allowed.
 */
import type { WindowSummary } from '../data.js';
import { levelOf, type Metric } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { groupBins, type RouteDetail } from '../page-data.js';
import { type RouteParams, routeQuery } from '../page-params.js';
import { linkTo, viewQuery } from '../params.js';
import { dangerForm, reviewForm } from './action-forms.js';
import { chartCard, roundMs, seconds } from './charts.js';
import { layout, type PageContext, viewBar } from './layout.js';
import { RECORD_COLUMNS, recordRows } from './record-rows.js';

type OneRoute = RouteParams & { route: string; method: string };

export function routePage(context: PageContext, params: OneRoute, detail: RouteDetail): string {
  const { t, formats } = context;
  const title = `${params.method} ${params.route}`;
  const empty = detail.summary.count === 0;
  return layout(context, {
    title,
    section: 'routes',
    bar: viewBar(context, params, `${context.base}/route`, { method: params.method, route: params.route }),
    main: html`<h1><span class="method">${params.method}</span> <span class="mono">${params.route}</span></h1>
<p class="window">${t('window', { from: formats.date(params.window.since), to: formats.date(params.window.until) })}
· <a href="${linkTo(`${context.base}/access`, routeQuery(params))}">${t('navAccess')}</a>${
      context.accessRecords
        ? html` · <a href="${linkTo(`${context.base}/records`, routeQuery(params))}">${t('navRecords')}</a>`
        : ''
    }</p>
${figures(context, detail.summary)}
${empty ? html`<p class="card muted">${t('noData')}</p>` : ''}
${charts(context, detail)}
<div class="tops">
${statusCodes(context, detail)}
${nPlusOne(context, detail)}
${review(context, params, detail)}
</div>
${slowest(context, params, detail)}
${deleteRoute(context, params)}`,
  });
}

function figures(context: PageContext, summary: WindowSummary): SafeHtml {
  const { t, formats, thresholds } = context;
  const ms = (value: number) => `${formats.ms(value)} ms`;
  const figure = (label: string, value: string, metric?: Metric, raw?: number) => {
    const level = metric && raw !== undefined ? levelOf(thresholds, metric, raw) : 'ok';
    return html`<div class="kpi${level === 'ok' ? '' : ` ${level}`}"><dt>${label}</dt><dd>${value}</dd></div>`;
  };
  const time = summary.requestTime;
  return html`<dl class="kpis">
${figure(t('kpiRequests'), formats.count(summary.count))}
${figure(t('kpiErrorRate'), formats.percent(summary.errorRate))}
${figure(t('kpiAvgTime'), ms(time.avg), 'requestTime', time.avg)}
${figure(t('colP50'), ms(time.p50), 'requestTime', time.p50)}
${figure(t('colP95'), ms(time.p95), 'requestTime', time.p95)}
${figure(t('colP99'), ms(time.p99), 'requestTime', time.p99)}
${figure(t('colMax'), ms(time.max), 'requestTime', time.max)}
${figure(t('kpiAvgQueries'), formats.decimal(summary.queries.avg), 'queryCount', summary.queries.avg)}
${figure(t('kpiMaxQueries'), formats.count(summary.queries.max), 'queryCount', summary.queries.max)}
${figure(t('colQueryTime'), ms(summary.queries.timeAvg))}
${figure(t('colMemory'), formats.bytes(summary.memory.avg), 'memory', summary.memory.avg)}
${figure(t('colNPlusOne'), formats.count(summary.nPlusOne.requests))}
</dl>`;
}

function charts(context: PageContext, detail: RouteDetail): SafeHtml {
  const { t, formats } = context;
  const { series } = detail;
  const x = series.map((point) => seconds(point.at));
  const steps = { points: series.length, step: formats.duration(detail.step) };
  const bins = groupBins(detail.histogram);
  const ms = (value: number) => formats.ms(value);
  return html`<div class="charts">
${chartCard('route-requests', t('chartRequests'), t('chartSteps', steps), {
  x,
  time: true,
  axes: [{ scale: 'count', label: t('trendRequests') }],
  series: [
    { label: t('trendRequests'), scale: 'count', values: series.map((p) => p.count), color: 1, fill: true },
  ],
})}
${chartCard('route-latency', t('chartLatency'), t('chartSteps', steps), {
  x,
  time: true,
  axes: [{ scale: 'ms', label: 'ms' }],
  series: (['p50', 'p95', 'p99'] as const).map((key, index) => ({
    label: t(`trend${key === 'p50' ? 'P50' : key === 'p95' ? 'P95' : 'P99'}`),
    scale: 'ms',
    values: series.map((p) => roundMs(p.requestTime[key])),
    color: (index + 2) as 2 | 3 | 4,
  })),
})}
${chartCard('route-queries', t('chartQueries'), t('chartSteps', steps), {
  x,
  time: true,
  axes: [{ scale: 'queries', label: t('colQueries') }],
  series: [
    {
      label: t('chartQueriesAvg'),
      scale: 'queries',
      values: series.map((p) => roundMs(p.queries.avg)),
      color: 2,
    },
    { label: t('chartQueriesMax'), scale: 'queries', values: series.map((p) => p.queries.max), color: 3 },
  ],
})}
${chartCard(
  'route-histogram',
  t('chartHistogram'),
  t('chartHistogramSummary', {
    bars: bins.length,
    from: bins[0] ? ms(bins[0].from) : '0',
    to: bins.at(-1) ? ms(bins.at(-1)!.to) : '0',
  }),
  {
    x: bins.map((_, index) => index),
    labels: bins.map((bin) => `${ms(bin.from)}–${ms(bin.to)}`),
    axes: [{ scale: 'count', label: t('trendRequests') }],
    series: [
      {
        label: t('trendRequests'),
        scale: 'count',
        values: bins.map((bin) => bin.count),
        color: 1,
        bars: true,
      },
    ],
  },
)}
</div>`;
}

function statusCodes(context: PageContext, detail: RouteDetail): SafeHtml {
  const { t, formats } = context;
  const codes = Object.entries(detail.route?.statusCodes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const total = codes.reduce((sum, [, count]) => sum + count, 0);
  return html`<section class="card"><h2>${t('colStatuses')}</h2>${
    codes.length === 0
      ? html`<p class="muted">${t('noData')}</p>`
      : html`<table class="compact"><thead><tr><th class="text" scope="col">${t('recColStatus')}</th><th scope="col">${t('colCount')}</th><th scope="col">${t('share')}</th></tr></thead><tbody>${codes.map(
          ([code, count]) =>
            html`<tr><th scope="row" class="text"><span class="status s${code[0]}xx">${code}</span></th><td>${formats.count(count)}</td><td>${formats.percent(total ? count / total : 0)}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
}

function nPlusOne(context: PageContext, detail: RouteDetail): SafeHtml {
  const { t, formats } = context;
  const shape = detail.route?.nPlusOne;
  return html`<section class="card"><h2>${t('nPlusOneTitle')}</h2>${
    shape && (shape.requests > 0 || shape.query)
      ? html`<p>${t('nPlusOneText', { requests: formats.count(shape.requests), count: formats.count(detail.route!.count), repeat: formats.count(shape.maxRepeat) })}</p>
${shape.query ? html`<pre class="sql"><code>${shape.query}</code></pre>` : ''}`
      : html`<p class="muted">${t('nPlusOneNone')}</p>`
  }</section>`;
}

function review(context: PageContext, params: OneRoute, detail: RouteDetail): SafeHtml {
  const { t, formats } = context;
  const route = detail.route;
  const state = route?.review;
  const said = (value: boolean | null | undefined) =>
    value === true ? t('yes') : value === false ? t('no') : t('reviewUnsaid');
  return html`<section class="card" id="review"><h2>${t('reviewTitle')}</h2>${
    state
      ? html`<p data-reviewed="true">${state.reviewer ? t('reviewedByOn', { reviewer: state.reviewer, date: formats.date(state.reviewedAt) }) : t('reviewedOn', { date: formats.date(state.reviewedAt) })}</p>
<ul><li>${t('reviewQueries')}: ${said(state.queriesImproved)}</li><li>${t('reviewTime')}: ${said(state.timeImproved)}</li></ul>`
      : html`<p class="muted" data-reviewed="false">${t('reviewNone')}</p>`
  }${route && context.actions.review ? reviewForm(context, params.environment, route, context.user) : ''}</section>`;
}

function slowest(context: PageContext, params: OneRoute, detail: RouteDetail): SafeHtml {
  const { t } = context;
  if (!detail.slowest)
    return html`<section class="card"><h2>${t('slowestTitle')}</h2><p class="muted">${t('recordsOff')}</p></section>`;
  return html`<section class="card"><h2>${t('slowestTitle')}</h2>${
    detail.slowest.length === 0
      ? html`<p class="muted">${t('noRecords')}</p>`
      : html`<div class="table-wrap"><table><thead><tr>${RECORD_COLUMNS.map(
          ([, title]) => html`<th scope="col" class="text">${t(title)}</th>`,
        )}</tr></thead><tbody>${recordRows(context, params, detail.slowest)}</tbody></table></div>
<p><a href="${linkTo(`${context.base}/records`, { ...routeQuery(params), sort: 'requestTime' })}">${t('allRecordsOfRoute')}</a></p>`
  }</section>`;
}

function deleteRoute(context: PageContext, params: OneRoute): SafeHtml | string {
  if (!context.actions.deleteRoute) return '';
  const { t } = context;
  return html`<section class="card"><h2>${t('deleteRouteTitle')}</h2>${dangerForm(context, 'deleteRoute', {
    environment: params.environment,
    confirm: params.route,
    text: t('deleteRouteText', {
      route: `${params.method} ${params.route}`,
      environment: params.environment,
    }),
    button: 'deleteRouteButton',
    fields: { method: params.method, route: params.route },
    back: linkTo(`${context.base}/routes`, viewQuery(params)),
  })}</section>`;
}

/** The route page without a route: where to pick one. */
export function noRoutePage(context: PageContext, params: RouteParams): string {
  const { t } = context;
  return layout(context, {
    title: t('routeTitle'),
    section: 'routes',
    main: html`<section class="message"><h1>${t('routeTitle')}</h1><p>${t('routeMissing')}</p>
<p><a href="${linkTo(`${context.base}/routes`, viewQuery(params))}">${t('navRoutes')}</a></p></section>`,
  });
}
