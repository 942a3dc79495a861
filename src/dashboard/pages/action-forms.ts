/**
 * The forms of the dashboard's actions, shown only when the configuration turns the action on. Each
 * posts to `<path>/actions/<action>` with the CSRF token, the environment, the page to come back to and
 * `confirm`: the name of what it changes. A review carries the route's name itself (it deletes nothing and
 * is undone by a reset); an action that deletes data asks for the name to be typed.
 */
import type { DashboardAction } from '../../config/types.js';
import type { RouteSummary } from '../data.js';
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { hiddenInputs, options, type PageContext } from './layout.js';

/** The fields every action form carries. */
function common(context: PageContext, environment: string, back = context.currentUrl): SafeHtml {
  return hiddenInputs({ csrf: context.csrfToken, env: environment, back });
}

/** A form that deletes data: what it deletes, the name to type, and a button that says it. */
export function dangerForm(
  context: PageContext,
  action: Exclude<DashboardAction, 'review'>,
  parts: {
    environment: string;
    /** The name to type: the route, or the environment. */
    confirm: string;
    text: string;
    button: MessageKey;
    fields?: Record<string, string | number | undefined>;
    extra?: SafeHtml;
    /** Where to go once done; default: back to this page. */
    back?: string;
  },
): SafeHtml {
  const { t } = context;
  return html`<form class="action danger" method="post" action="${context.base}/actions/${action}" data-action="${action}">
${common(context, parts.environment, parts.back)}${hiddenInputs(parts.fields ?? {})}
<p>${parts.text}</p>
${parts.extra ?? ''}
<label>${t('confirmType', { name: parts.confirm })}<input type="text" name="confirm" autocomplete="off" required></label>
<button type="submit" class="danger">${t(parts.button)}</button>
</form>`;
}

/** A review's answer as the select shows it: yes, no, or not said. */
const answer = (value: boolean | null | undefined) => (value === true ? 'yes' : value === false ? 'no' : '');

/** The review form of a route: queries improved, time improved, reviewer; save, or reset. */
export function reviewForm(
  context: PageContext,
  environment: string,
  route: RouteSummary,
  defaultReviewer: string | undefined,
): SafeHtml {
  const { t } = context;
  const choices = [
    { value: '', label: t('reviewUnsaid') },
    { value: 'yes', label: t('yes') },
    { value: 'no', label: t('no') },
  ];
  const review = route.review;
  return html`<form class="action review" method="post" action="${context.base}/actions/review" data-action="review">
${common(context, environment)}${hiddenInputs({ method: route.method, route: route.route, confirm: route.route })}
<label>${t('reviewQueries')}<select name="queriesImproved">${options(choices, answer(review?.queriesImproved))}</select></label>
<label>${t('reviewTime')}<select name="timeImproved">${options(choices, answer(review?.timeImproved))}</select></label>
<label>${t('reviewer')}<input type="text" name="reviewer" maxlength="200" value="${review?.reviewer ?? defaultReviewer ?? ''}"></label>
<button type="submit" name="op" value="save">${t(review ? 'reviewUpdate' : 'reviewSave')}</button>
${review ? html`<button type="submit" name="op" value="reset" class="secondary">${t('reviewReset')}</button>` : ''}
</form>`;
}
