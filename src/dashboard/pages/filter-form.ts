import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { HTTP_METHODS, linkTo, PAGE_SIZES, type ViewParams, viewQuery } from '../params.js';
import { hiddenInputs, options, type PageContext } from './layout.js';

/** What a listing's filter form keeps of the page: its view, sort and order, and its page size. */
interface ListingParams extends ViewParams {
  sort: string;
  order: 'asc' | 'desc';
  size: (typeof PAGE_SIZES)[number];
}

/**
 * The filter form of a listing at `path` (routes, requests): the view, sort and order kept as hidden
 * inputs, then `fields`, the page size, apply, and a reset to the view alone.
 */
export function filterForm(
  context: PageContext,
  path: string,
  params: ListingParams,
  fields: SafeHtml,
): SafeHtml {
  const { t } = context;
  return html`<form class="filters" method="get" action="${path}" aria-label="${t('filters')}">
${hiddenInputs({ ...viewQuery(params), sort: params.sort, order: params.order })}
${fields}
<label>${t('pageSize')}<select name="size">${options(
    PAGE_SIZES.map((size) => ({ value: String(size), label: String(size) })),
    String(params.size),
  )}</select></label>
<button type="submit">${t('apply')}</button>
<a href="${linkTo(path, viewQuery(params))}">${t('reset')}</a>
</form>`;
}

/** A field of a number from 0 up, empty when unset. */
export function numberField(
  context: PageContext,
  name: string,
  label: MessageKey,
  value: number | undefined,
) {
  return html`<label>${context.t(label)}<input type="number" name="${name}" min="0" step="any" value="${value ?? ''}"></label>`;
}

/** The HTTP method select: any, the usual methods, and the one asked for when it is another. */
export function methodField(context: PageContext, method: string | undefined): SafeHtml {
  const { t } = context;
  const methods = [...new Set([...HTTP_METHODS, ...(method ? [method] : [])])];
  const choices = [{ value: '', label: t('any') }, ...methods.map((value) => ({ value, label: value }))];
  return html`<label>${t('filterMethod')}<select name="method">${options(choices, method ?? '')}</select></label>`;
}
