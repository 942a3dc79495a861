import { html, type SafeHtml } from '../html.js';
import { linkTo } from '../params.js';
import type { PageContext } from './layout.js';

/** A sortable column of a table: its key, its title, and the listing's address and current order. */
export interface SortableColumn {
  key: string;
  title: string;
  /** The listing's path and its query (filters, view); the heading's link sets the sort and the first page. */
  path: string;
  query: Record<string, string | number | undefined>;
  sort: string;
  order: 'asc' | 'desc';
  /** The order a click on another column sorts in first. */
  defaultOrder: 'asc' | 'desc';
  /** A text column, aligned as text. */
  text?: boolean;
}

/** A column heading that sorts by its key, and flips the order when it already does. */
export function sortHeading(context: PageContext, column: SortableColumn): SafeHtml {
  const { t } = context;
  const current = column.sort === column.key;
  const order = current ? (column.order === 'asc' ? 'desc' : 'asc') : column.defaultOrder;
  const href = linkTo(column.path, { ...column.query, sort: column.key, order, page: undefined });
  const sorted = current ? html` aria-sort="${column.order === 'asc' ? 'ascending' : 'descending'}"` : '';
  return html`<th scope="col"${column.text ? html` class="text"` : ''} data-sort="${column.key}"${sorted}><a href="${href}" title="${t('sortBy', { column: column.title })}">${column.title}</a></th>`;
}
