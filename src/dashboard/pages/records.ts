/**
 * The access records page (`<path>/records`): the stored requests of the window, filtered by status,
 * path, referer, user, route, method, request time and queries, sorted by any figure, paged, downloadable,
 * and (when allowed) deleted by filter or by age. Without `accessRecords.enabled`, it says how to turn
 * them on.
 */
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import type { RecordsPage } from '../page-data.js';
import { RECORD_STATUS_CLASSES, type RecordsParams, recordsFilters, recordsQuery } from '../page-params.js';
import { linkTo, viewQuery } from '../params.js';
import { dangerForm } from './action-forms.js';
import { exportLinks } from './export-links.js';
import { filterForm, methodField, numberField } from './filter-form.js';
import { layout, options, type PageContext, viewBar } from './layout.js';
import { pager } from './pager.js';
import { RECORD_COLUMNS, recordRows } from './record-rows.js';
import { sortHeading } from './sort-heading.js';

export function recordsPage(context: PageContext, params: RecordsParams, data: RecordsPage): string {
  const { t } = context;
  const { env: _env, period: _period, from: _from, to: _to, page: _page, ...kept } = recordsQuery(params);
  return layout(context, {
    title: t('navRecords'),
    section: 'records',
    bar: viewBar(context, params, `${context.base}/records`, kept),
    main: html`<h1>${t('navRecords')}</h1>
${recordsFilterForm(context, params)}
<div class="table-wrap"><table>
<thead><tr>${RECORD_COLUMNS.map(([key, title]) =>
      key === null
        ? html`<th scope="col" class="text">${t(title)}</th>`
        : sortHeading(context, {
            key,
            title: t(title),
            path: `${context.base}/records`,
            query: recordsQuery(params),
            sort: params.sort,
            order: params.order,
            defaultOrder: 'desc',
          }),
    )}</tr></thead>
<tbody>${recordRows(context, params, data.records)}</tbody>
</table></div>
${data.total === 0 ? html`<p class="card muted">${t('noRecords')}</p>` : ''}
${pager(
  context,
  { ...data, size: params.size },
  (page) => linkTo(`${context.base}/records`, { ...recordsQuery(params), page }),
  'showingRecords',
)}
${exportLinks(context, 'records', { ...viewQuery(params), ...kept, page: undefined, size: undefined })}
${actions(context, params, data)}`,
  });
}

function recordsFilterForm(context: PageContext, params: RecordsParams): SafeHtml {
  const { t } = context;
  const any = { value: '', label: t('any') };
  const status = params.status === undefined ? '' : String(params.status);
  const statuses = [...RECORD_STATUS_CLASSES, ...(typeof params.status === 'number' ? [status] : [])];
  const number = (name: string, label: MessageKey, value: number | undefined) =>
    numberField(context, name, label, value);
  const textField = (name: string, label: MessageKey, value: string | undefined) =>
    html`<label>${t(label)}<input type="search" name="${name}" value="${value ?? ''}" maxlength="2000"></label>`;
  return filterForm(
    context,
    `${context.base}/records`,
    params,
    html`${textField('route', 'recFilterRoute', params.route)}
${methodField(context, params.method)}
<label>${t('recFilterStatus')}<select name="status">${options([any, ...statuses.map((value) => ({ value, label: value }))], status)}</select></label>
${textField('path', 'recFilterPath', params.path)}
${textField('referer', 'recFilterReferer', params.referer)}
${textField('user', 'recFilterUser', params.userId)}
${number('minTime', 'recFilterTimeFrom', params.minTime)}
${number('maxTime', 'recFilterTimeTo', params.maxTime)}
${number('minQueries', 'filterQueriesFrom', params.minQueries)}
${number('maxQueries', 'filterQueriesTo', params.maxQueries)}`,
  );
}

function actions(context: PageContext, params: RecordsParams, data: RecordsPage): SafeHtml {
  const { t, formats } = context;
  const { actions: allowed } = context;
  const { env: _env, ...window } = viewQuery(params);
  return html`${
    allowed.deleteRecords && data.total > 0
      ? html`<section class="card"><h2>${t('deleteRecordsTitle')}</h2>${dangerForm(context, 'deleteRecords', {
          environment: params.environment,
          confirm: params.environment,
          text: t('deleteRecordsText', { count: formats.count(data.total), environment: params.environment }),
          button: 'deleteRecordsButton',
          fields: { ...window, ...recordsFilters(params) },
        })}</section>`
      : ''
  }${
    allowed.purgeRecords
      ? html`<section class="card"><h2>${t('purgeRecordsTitle')}</h2>${dangerForm(context, 'purgeRecords', {
          environment: params.environment,
          confirm: params.environment,
          text: t('purgeRecordsText', { environment: params.environment }),
          button: 'purgeRecordsButton',
          extra: html`<label>${t('purgeDays')}<input type="number" name="days" min="1" max="36500" step="1" value="30" required></label>`,
        })}</section>`
      : ''
  }`;
}

/** The records page when routeperf stores no access records: how to turn them on. */
export function recordsOffPage(context: PageContext): string {
  const { t } = context;
  return layout(context, {
    title: t('navRecords'),
    section: 'records',
    main: html`<section class="message" data-records="off"><h1>${t('navRecords')}</h1><p>${t('recordsOff')}</p>
<pre><code>accessRecords: { enabled: true, retentionDays: 30 }</code></pre></section>`,
  });
}
