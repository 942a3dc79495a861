/**
 * The routes page (`<path>/routes`): every route of the window, filtered by name, method, status class,
 * average request time and average query count, sorted by any column, in pages of 25, 50 or 100, all
 * done by the store. Cells past the configured thresholds are coloured, a route that answered with
 * errors has a badge, each route links to its page, and the listing downloads as CSV or JSON.
 */
import type { RoutesPage } from '../data.js';
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import {
  linkTo,
  type RouteSortKey,
  type RoutesParams,
  routesQuery,
  SORT_KEYS,
  STATUS_CLASSES,
  viewQuery,
} from '../params.js';
import { dangerForm } from './action-forms.js';
import { exportLinks } from './export-links.js';
import { filterForm, methodField, numberField } from './filter-form.js';
import { layout, options, type PageContext, viewBar } from './layout.js';
import { pager } from './pager.js';
import { routeRows } from './route-rows.js';
import { sortHeading } from './sort-heading.js';

/** Each sort key's column heading. */
export const COLUMN_TITLES: Record<RouteSortKey, MessageKey> = {
  route: 'colRoute',
  count: 'colCount',
  errorRate: 'colErrorRate',
  avg: 'colAvg',
  p50: 'colP50',
  p90: 'colP90',
  p95: 'colP95',
  p99: 'colP99',
  max: 'colMax',
  queries: 'colQueries',
  queryTime: 'colQueryTime',
  nPlusOne: 'colNPlusOne',
  memory: 'colMemory',
  lastAccessed: 'colLastAccessed',
};

export function routesPage(context: PageContext, params: RoutesParams, data: RoutesPage): string {
  const { t } = context;
  const action = `${context.base}/routes`;
  const { env: _env, period: _period, from: _from, to: _to, page: _page, ...kept } = routesQuery(params);
  const filters = { ...viewQuery(params), ...kept };
  return layout(context, {
    title: t('navRoutes'),
    section: 'routes',
    bar: viewBar(context, params, action, kept),
    main: html`<h1>${t('navRoutes')}</h1>
${routesFilterForm(context, params)}
<div class="table-wrap"><table>
<thead><tr><th class="text" scope="col">${t('colMethod')}</th>${SORT_KEYS.flatMap((key) => [
      sortHeading(context, {
        key,
        title: t(COLUMN_TITLES[key]),
        path: `${context.base}/routes`,
        query: routesQuery(params),
        sort: params.sort,
        order: params.order,
        defaultOrder: key === 'route' ? 'asc' : 'desc',
        text: key === 'route',
      }),
      key === 'errorRate' ? html`<th scope="col">${t('colStatuses')}</th>` : '',
    ])}</tr></thead>
<tbody>${routeRows(context, params, data.routes)}</tbody>
</table></div>
${data.total === 0 ? html`<p class="card muted">${t('noData')}</p>` : ''}
${pager(
  context,
  { ...data, size: params.size },
  (page) => linkTo(`${context.base}/routes`, { ...routesQuery(params), page }),
  'showing',
)}
${exportLinks(context, 'routes', filters)}
${clearEnvironment(context, params)}`,
  });
}

function routesFilterForm(context: PageContext, params: RoutesParams): SafeHtml {
  const { t } = context;
  const any = { value: '', label: t('any') };
  const number = (name: string, label: MessageKey, value: number | undefined) =>
    numberField(context, name, label, value);
  return filterForm(
    context,
    `${context.base}/routes`,
    params,
    html`<label>${t('filterName')}<input type="search" name="q" value="${params.search}" maxlength="200"></label>
${methodField(context, params.method)}
<label>${t('filterStatus')}<select name="status">${options([any, ...STATUS_CLASSES.map((value) => ({ value, label: value }))], params.status ?? '')}</select></label>
${number('minAvg', 'filterAvgFrom', params.minAvg)}
${number('maxAvg', 'filterAvgTo', params.maxAvg)}
${number('minQueries', 'filterQueriesFrom', params.minQueries)}
${number('maxQueries', 'filterQueriesTo', params.maxQueries)}`,
  );
}

/** Clearing the environment, when the configuration allows it. */
function clearEnvironment(context: PageContext, params: RoutesParams): SafeHtml | string {
  if (!context.actions.clearEnvironment) return '';
  const { t } = context;
  return html`<section class="card"><h2>${t('clearEnvironmentTitle')}</h2>${dangerForm(
    context,
    'clearEnvironment',
    {
      environment: params.environment,
      confirm: params.environment,
      text: t('clearEnvironmentText', { environment: params.environment }),
      button: 'clearEnvironmentButton',
    },
  )}</section>`;
}
