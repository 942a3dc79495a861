/**
 * The rows of an access records table, on the records page and a route's page: one stored request per
 * row, its time, route, status, figures, path, referer and user, every one of them text.
 */

import { html, type SafeHtml } from '../html.js';
import type { AccessRecord } from '../page-data.js';
import { routeLink, type ViewParams } from '../params.js';
import type { PageContext } from './layout.js';
import { thresholdCell } from './route-rows.js';

/** The headings of the columns `recordRows` fills, sortable ones by their sort key. */
export const RECORD_COLUMNS = [
  ['createdAt', 'recColAt'],
  [null, 'colRoute'],
  ['statusCode', 'recColStatus'],
  ['requestTime', 'recColTime'],
  ['queryCount', 'recColQueries'],
  ['queryTime', 'recColQueryTime'],
  ['memory', 'colMemory'],
  [null, 'recColPath'],
  [null, 'recColReferer'],
  [null, 'recColUser'],
] as const;

export function recordRows(
  context: PageContext,
  view: ViewParams,
  records: readonly AccessRecord[],
): SafeHtml {
  return html`${records.map((record) => recordRow(context, view, record))}`;
}

function recordRow(context: PageContext, view: ViewParams, record: AccessRecord): SafeHtml {
  const { formats } = context;
  const ms = (value: number) => `${formats.ms(value)} ms`;
  const coloured = (metric: 'requestTime' | 'queryCount' | 'memory', value: number, shown: string) => {
    const { level, title } = thresholdCell(context, metric, value, (limit) =>
      metric === 'requestTime'
        ? ms(limit)
        : metric === 'memory'
          ? formats.bytes(limit)
          : formats.decimal(limit),
    );
    return level === 'ok'
      ? html`<td>${shown}</td>`
      : html`<td class="${level}" title="${title}" data-level="${level}">${shown}</td>`;
  };
  return html`<tr data-request="${record.requestId}">
<td class="text">${formats.date(record.at)}</td>
<th scope="row" class="text route mono"><span class="method">${record.method}</span> <a href="${routeLink(context.base, view, record)}">${record.route}</a></th>
<td><span class="status s${String(record.statusCode)[0]}xx">${record.statusCode}</span></td>
${coloured('requestTime', record.requestTime, ms(record.requestTime))}
${coloured('queryCount', record.queryCount, formats.count(record.queryCount))}
<td>${ms(record.queryTime)}</td>
${coloured('memory', record.memory, formats.bytes(record.memory))}
<td class="text path mono">${record.path ?? ''}</td>
<td class="text path mono">${record.referer ?? ''}</td>
<td class="text mono">${record.userId ?? ''}</td>
</tr>`;
}
