/**
 * The overview page (`<path>/`): the environment's figures over the window, the trend chart of requests
 * and request time, and the routes that stand out (slowest, most queries, most requested), each linking
 * to the routes page filtered on it.
 */
import type { Overview, RouteSummary } from '../data.js';
import { levelOf, type Metric } from '../format.js';
import { html, jsonScript, type SafeHtml } from '../html.js';
import { linkTo, type ViewParams, viewQuery } from '../params.js';
import { layout, type PageContext, viewBar } from './layout.js';

export function overviewPage(context: PageContext, view: ViewParams, overview: Overview): string {
  const { t, formats } = context;
  const empty = overview.kpis.requests === 0;
  return layout(context, {
    title: t('navOverview'),
    section: 'overview',
    bar: viewBar(context, view, `${context.base}/`),
    main: html`<h1>${t('navOverview')}</h1>
<p class="window">${t('window', { from: formats.date(view.window.since), to: formats.date(view.window.until) })}</p>
${kpis(context, overview)}
${empty ? html`<p class="card muted">${t('noData')}</p>` : ''}
${trendChart(context, overview)}
${tops(context, view, overview)}`,
  });
}

function kpis(context: PageContext, { kpis }: Overview): SafeHtml {
  const { t, formats, thresholds } = context;
  const figure = (label: string, value: string, metric?: Metric, raw?: number) => {
    const level = metric && raw !== undefined ? levelOf(thresholds, metric, raw) : 'ok';
    return html`<div class="kpi${level === 'ok' ? '' : ` ${level}`}"><dt>${label}</dt><dd>${value}</dd></div>`;
  };
  return html`<dl class="kpis">
${figure(t('kpiRoutes'), formats.count(kpis.routes))}
${figure(t('kpiRequests'), formats.count(kpis.requests))}
${figure(t('kpiErrorRate'), formats.percent(kpis.errorRate))}
${figure(t('kpiAvgTime'), `${formats.ms(kpis.averageTime)} ms`, 'requestTime', kpis.averageTime)}
${figure(t('kpiP95Time'), `${formats.ms(kpis.p95Time)} ms`, 'requestTime', kpis.p95Time)}
${figure(t('kpiAvgQueries'), formats.decimal(kpis.averageQueries), 'queryCount', kpis.averageQueries)}
${figure(t('kpiMaxQueries'), formats.count(kpis.maxQueries), 'queryCount', kpis.maxQueries)}
${figure(t('kpiNPlusOne'), formats.count(kpis.nPlusOneSuspects))}
</dl>`;
}

/** The chart's data for the client script, times in seconds as uPlot takes them, ms rounded to 0.01. */
function trendChart(context: PageContext, overview: Overview): SafeHtml {
  const { t, formats } = context;
  const round = (value: number) => Math.round(value * 100) / 100;
  const data = {
    labels: { requests: t('trendRequests'), average: t('trendAverage'), p95: t('trendP95') },
    x: overview.trend.map((point) => point.at.getTime() / 1000),
    requests: overview.trend.map((point) => point.count),
    average: overview.trend.map((point) => round(point.requestTime.avg)),
    p95: overview.trend.map((point) => round(point.requestTime.p95)),
  };
  const summary = t('trendSummary', {
    requests: formats.count(overview.kpis.requests),
    points: overview.trend.length,
    step: formats.duration(overview.step),
  });
  return html`<section class="card"><h2>${t('trendTitle')}</h2>
<div class="chart-area" data-chart="trend-data" role="img" aria-label="${t('trendTitle')}: ${summary}"></div>
<p class="muted">${summary}</p>
${jsonScript('trend-data', data)}
</section>`;
}

function tops(context: PageContext, view: ViewParams, overview: Overview): SafeHtml {
  const { t, formats } = context;
  const list = (title: string, routes: RouteSummary[], value: (route: RouteSummary) => string) =>
    html`<section class="card"><h2>${title}</h2>${
      routes.length === 0
        ? html`<p class="muted">${t('noData')}</p>`
        : html`<ol>${routes.map(
            (route) =>
              html`<li><a href="${linkTo(`${context.base}/routes`, { ...viewQuery(view), q: route.route, method: route.method })}"><span class="method">${route.method}</span> <span class="mono">${route.route}</span></a><span class="figure">${value(route)}</span></li>`,
          )}</ol>`
    }</section>`;
  return html`<div class="tops">
${list(t('topSlow'), overview.slowest, (route) => `${formats.ms(route.requestTime.p95)} ms`)}
${list(t('topQueries'), overview.queryHeavy, (route) => formats.decimal(route.queries.avg))}
${list(t('topUsed'), overview.mostUsed, (route) => formats.count(route.count))}
</div>`;
}
