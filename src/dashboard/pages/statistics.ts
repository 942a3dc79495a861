/**
 * The statistics page (`<path>/statistics`): how each metric spreads over the window's routes, the routes
 * outside Tukey's fences, how request time goes with queries, query time and memory, and what to look
 * at first, each recommendation naming its route and why.
 */
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import type { StatisticsData } from '../page-data.js';
import { routeLink, type ViewParams } from '../params.js';
import type { Correlation, Distribution, MetricName, Recommendation } from '../statistics.js';
import { layout, type PageContext, viewBar } from './layout.js';

const METRIC_TITLES: Record<MetricName, MessageKey> = {
  avgTime: 'statAvgTime',
  p95: 'statP95',
  queries: 'statQueries',
  queryTime: 'statQueryTime',
  memory: 'statMemory',
  errorRate: 'statErrorRate',
};

/** A value of `metric` as the page shows it. */
function shown(context: PageContext, metric: MetricName, value: number): string {
  const { formats } = context;
  if (metric === 'memory') return formats.bytes(Math.max(0, value));
  if (metric === 'errorRate') return formats.percent(value);
  if (metric === 'queries') return formats.decimal(value);
  return `${formats.ms(value)} ms`;
}

export function statisticsPage(context: PageContext, view: ViewParams, data: StatisticsData): string {
  const { t, formats } = context;
  const { statistics } = data;
  return layout(context, {
    title: t('navStatistics'),
    section: 'statistics',
    bar: viewBar(context, view, `${context.base}/statistics`),
    main: html`<h1>${t('navStatistics')}</h1>
<p class="window">${t('window', { from: formats.date(view.window.since), to: formats.date(view.window.until) })}</p>
<p>${t('statRoutes', { routes: formats.count(statistics.routes), total: formats.count(data.total) })}</p>
${
  statistics.routes === 0
    ? html`<p class="card muted">${t('noData')}</p>`
    : html`${distributions(context, view, statistics.distributions)}
${correlations(context, statistics.correlations)}
${recommendations(context, view, statistics.recommendations)}`
}`,
  });
}

function distributions(context: PageContext, view: ViewParams, spreads: readonly Distribution[]): SafeHtml {
  const { t } = context;
  const headings: MessageKey[] = ['statMean', 'statMedian', 'statP90', 'statP95Of', 'statStdDev'];
  return html`<section class="card"><h2>${t('statDistributions')}</h2><p class="muted">${t('statDistributionsText')}</p>
<div class="table-wrap"><table data-table="distributions"><thead><tr><th class="text" scope="col">${t('statMetric')}</th>${headings.map(
    (key) => html`<th scope="col">${t(key)}</th>`,
  )}<th class="text" scope="col">${t('statOutliers')}</th></tr></thead><tbody>${spreads.map(
    (spread) =>
      html`<tr data-metric="${spread.metric}"><th scope="row" class="text">${t(METRIC_TITLES[spread.metric])}</th>${[
        spread.mean,
        spread.median,
        spread.p90,
        spread.p95,
        spread.stdDev,
      ].map(
        (value) => html`<td>${shown(context, spread.metric, value)}</td>`,
      )}<td class="text outliers">${outliers(context, view, spread)}</td></tr>`,
  )}</tbody></table></div></section>`;
}

function outliers(context: PageContext, view: ViewParams, spread: Distribution): SafeHtml {
  const { t } = context;
  if (spread.outliers.length === 0) return html`<span class="muted">${t('statNoOutliers')}</span>`;
  return html`<ul>${spread.outliers
    .slice(0, 10)
    .map(
      (outlier) =>
        html`<li data-outlier="${outlier.route}"><a href="${routeLink(context.base, view, outlier)}"><span class="method">${outlier.method}</span> <span class="mono">${outlier.route}</span></a> ${shown(context, spread.metric, outlier.value)} (${t(outlier.side === 'high' ? 'statAbove' : 'statBelow', { fence: shown(context, spread.metric, outlier.side === 'high' ? spread.fences.high : spread.fences.low) })})</li>`,
    )}${spread.outliers.length > 10 ? html`<li class="muted">${t('statMore', { count: spread.outliers.length - 10 })}</li>` : ''}</ul>`;
}

function strength(r: number): MessageKey {
  const size = Math.abs(r);
  if (size >= 0.7) return r > 0 ? 'corrStrongPositive' : 'corrStrongNegative';
  if (size >= 0.3) return r > 0 ? 'corrModeratePositive' : 'corrModerateNegative';
  return 'corrWeak';
}

const CORRELATION_TITLES: Record<Correlation['with'], MessageKey> = {
  queries: 'corrQueries',
  queryTime: 'corrQueryTime',
  memory: 'corrMemory',
};

function correlations(context: PageContext, pairs: readonly Correlation[]): SafeHtml {
  const { t } = context;
  return html`<section class="card"><h2>${t('statCorrelations')}</h2><p class="muted">${t('statCorrelationsText')}</p>
<table class="compact" data-table="correlations"><tbody>${pairs.map(
    (pair) =>
      html`<tr data-correlation="${pair.with}"><th scope="row" class="text">${t(CORRELATION_TITLES[pair.with])}</th><td>${pair.r === null ? '–' : pair.r.toFixed(2)}</td><td class="text">${pair.r === null ? t('corrUnknown') : t(strength(pair.r))}</td></tr>`,
  )}</tbody></table></section>`;
}

function recommendations(context: PageContext, view: ViewParams, found: readonly Recommendation[]): SafeHtml {
  const { t } = context;
  return html`<section class="card"><h2>${t('statRecommendations')}</h2>${
    found.length === 0
      ? html`<p class="muted">${t('recNone')}</p>`
      : html`<ul class="recommendations">${found
          .slice(0, 50)
          .map(
            (one) =>
              html`<li data-kind="${one.kind}" data-route="${one.route}"><a href="${routeLink(context.base, view, one)}"><span class="method">${one.method}</span> <span class="mono">${one.route}</span></a>: ${why(context, one)}</li>`,
          )}</ul>`
  }</section>`;
}

function why(context: PageContext, one: Recommendation): SafeHtml | string {
  const { t, formats } = context;
  switch (one.kind) {
    case 'nPlusOne':
      return html`${t('recNPlusOne', { requests: formats.count(one.requests), count: formats.count(one.count) })}${
        one.query ? html` <code>${one.query}</code>` : ''
      }`;
    case 'queryBound':
      return t('recQueryBound', {
        share: formats.percent(one.share),
        queryTime: `${formats.ms(one.queryTime)} ms`,
        avgTime: `${formats.ms(one.avgTime)} ms`,
      });
    case 'errors':
      return t('recErrors', { rate: formats.percent(one.errorRate), count: formats.count(one.count) });
    case 'outlier':
      return t('recOutlier', {
        metric: t(METRIC_TITLES[one.metric]).toLowerCase(),
        value: shown(context, one.metric, one.value),
        fence: shown(context, one.metric, one.fence),
      });
  }
}
