/**
 * The overview page (`<path>/`): the environment's figures over the window, the trend chart of requests
 * and request time (p50 and p95), and the routes that stand out (slowest, most queries, most requested),
 * each linking to its route page.
 */
import type { Overview, RouteSummary } from '../data.js';
import { levelOf, type Metric } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { routeLink, type ViewParams } from '../params.js';
import { chartCard, roundMs, seconds } from './charts.js';
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

/** The trend: requests per step (bars of an area) and the p50 and p95 request time (lines). */
function trendChart(context: PageContext, overview: Overview): SafeHtml {
  const { t, formats } = context;
  const summary = t('trendSummary', {
    requests: formats.count(overview.kpis.requests),
    points: overview.trend.length,
    step: formats.duration(overview.step),
  });
  return chartCard('trend-data', t('trendTitle'), summary, {
    x: overview.trend.map((point) => seconds(point.at)),
    time: true,
    axes: [
      { scale: 'count', label: t('trendRequests') },
      { scale: 'ms', label: 'ms' },
    ],
    series: [
      {
        label: t('trendRequests'),
        scale: 'count',
        values: overview.trend.map((point) => point.count),
        color: 1,
        fill: true,
      },
      {
        label: t('trendP50'),
        scale: 'ms',
        values: overview.trend.map((point) => roundMs(point.requestTime.p50)),
        color: 2,
      },
      {
        label: t('trendP95'),
        scale: 'ms',
        values: overview.trend.map((point) => roundMs(point.requestTime.p95)),
        color: 3,
      },
    ],
  });
}

function tops(context: PageContext, view: ViewParams, overview: Overview): SafeHtml {
  const { t, formats } = context;
  const list = (title: string, routes: RouteSummary[], value: (route: RouteSummary) => string) =>
    html`<section class="card"><h2>${title}</h2>${
      routes.length === 0
        ? html`<p class="muted">${t('noData')}</p>`
        : html`<ol>${routes.map(
            (route) =>
              html`<li><a href="${routeLink(context.base, view, route)}"><span class="method">${route.method}</span> <span class="mono">${route.route}</span></a><span class="figure">${value(route)}</span></li>`,
          )}</ol>`
    }</section>`;
  return html`<div class="tops">
${list(t('topSlow'), overview.slowest, (route) => `${formats.ms(route.requestTime.p95)} ms`)}
${list(t('topQueries'), overview.queryHeavy, (route) => formats.decimal(route.queries.avg))}
${list(t('topUsed'), overview.mostUsed, (route) => formats.count(route.count))}
</div>`;
}
