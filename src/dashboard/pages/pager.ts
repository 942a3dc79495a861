import { html, type SafeHtml } from '../html.js';
import type { PageContext } from './layout.js';

/** Where a list stands: the page shown, how many pages, rows per page and in all. */
export interface PagePosition {
  page: number;
  pages: number;
  size: number;
  total: number;
}

/**
 * Previous and next links of a paged list, and the line saying which rows are shown (`showing` words it:
 * routes or requests).
 */
export function pager(
  context: PageContext,
  position: PagePosition,
  at: (page: number) => string,
  showing: 'showing' | 'showingRecords',
): SafeHtml {
  const { t, formats } = context;
  const first = position.total === 0 ? 0 : (position.page - 1) * position.size + 1;
  const last = Math.min(position.total, position.page * position.size);
  const step = (page: number, label: string, rel: string) =>
    page >= 1 && page <= position.pages
      ? html`<a href="${at(page)}" rel="${rel}">${label}</a>`
      : html`<span class="is-disabled">${label}</span>`;
  return html`<nav class="pager" aria-label="${t('pagination')}">
${step(position.page - 1, t('previous'), 'prev')}
<span>${t('pageOf', { page: position.page, pages: position.pages })}</span>
${step(position.page + 1, t('next'), 'next')}
<span class="muted">${t(showing, { first: formats.count(first), last: formats.count(last), total: formats.count(position.total) })}</span>
</nav>`;
}
