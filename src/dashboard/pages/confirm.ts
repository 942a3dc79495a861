/**
 * The page an action's form leads to when it came without the right `confirm`: what the action would do,
 * and the same form again (its fields kept, hidden) with the name to type. Nothing has changed yet.
 */
import type { DashboardAction } from '../../config/types.js';
import type { ActionPlan } from '../action-plans.js';
import { html } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { layout, type PageContext } from './layout.js';

const TEXTS: Record<DashboardAction, MessageKey> = {
  review: 'confirmReview',
  deleteRoute: 'confirmDeleteRoute',
  clearEnvironment: 'confirmClearEnvironment',
  purgeRecords: 'confirmPurgeRecords',
  deleteRecords: 'confirmDeleteRecords',
};

export function confirmPage(
  context: PageContext,
  action: DashboardAction,
  plan: ActionPlan,
  form: URLSearchParams,
): string {
  const { t, formats } = context;
  const { details } = plan;
  const kept = [...form].filter(([name]) => name !== 'csrf' && name !== 'confirm');
  const given = form.get('confirm');
  const text = t(TEXTS[action], {
    route: `${details.method ?? ''} ${details.route ?? ''}`.trim(),
    environment: details.environment,
    date: details.olderThan ? formats.date(details.olderThan) : '',
  });
  return layout(context, {
    title: t('confirmTitle'),
    main: html`<section class="message" data-confirm="${action}"><h1>${t('confirmTitle')}</h1>
<p>${text}</p>
${given ? html`<p class="badge">${t('confirmMismatch')}</p>` : ''}
<form class="action${action === 'review' ? '' : ' danger'}" method="post" action="${context.base}/actions/${action}">
<input type="hidden" name="csrf" value="${context.csrfToken}">
${kept.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<label>${t('confirmType', { name: plan.confirm })}<input type="text" name="confirm" autocomplete="off" required></label>
<button type="submit"${action === 'review' ? '' : html` class="danger"`}>${t('confirmButton')}</button>
</form>
<p><a href="${context.base}/">${t('confirmCancel')}</a></p>
</section>`,
  });
}
