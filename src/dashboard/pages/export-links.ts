/** The download links of a listing: the same filters and sort, as CSV or as JSON. */
import { html, type SafeHtml } from '../html.js';
import { linkTo } from '../params.js';
import type { PageContext } from './layout.js';

export function exportLinks(
  context: PageContext,
  listing: 'routes' | 'records',
  query: Record<string, string | number | undefined>,
): SafeHtml {
  const { t } = context;
  const link = (format: 'csv' | 'json') =>
    html`<a href="${linkTo(`${context.base}/export/${listing}.${format}`, query)}" download>${format.toUpperCase()}</a>`;
  return html`<p class="exports">${t('exportAs')} ${link('csv')} · ${link('json')} <span class="muted">${t('exportCap', { rows: context.exportMaxRows })}</span></p>`;
}
