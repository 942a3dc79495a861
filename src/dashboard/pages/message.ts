/**
 * Pages that say why there is nothing else to show: access refused (and how to configure access), an
 * invalid login link, an expired form, an unknown page, a database that could not be read.
 */
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { layout, type PageContext } from './layout.js';

/** A page with a title, a text and, optionally, more below. */
export function messagePage(
  context: PageContext,
  title: MessageKey,
  text: MessageKey,
  more: SafeHtml | string = '',
  bare = false,
): string {
  const { t } = context;
  return layout(context, {
    title: t(title),
    bare,
    main: html`<section class="message"><h1>${t(title)}</h1><p>${t(text)}</p>${more}</section>`,
  });
}

/** The 403 of a dashboard with no access control: which keys to set, and the login link. */
export function unconfiguredPage(context: PageContext): string {
  const { t } = context;
  const option = (key: string, text: MessageKey) => html`<li><code>${key}</code>: ${t(text)}</li>`;
  return messagePage(
    context,
    'unconfiguredTitle',
    'unconfiguredText',
    html`<ul>
${option('dashboard.authorize', 'unconfiguredAuthorize')}
${option('dashboard.basicAuth', 'unconfiguredBasicAuth')}
${option('dashboard.allowUnauthenticated: true', 'unconfiguredAllow')}
</ul><p>${t('unconfiguredToken')}</p>`,
    true,
  );
}

/** A link back to the overview, under the message of a page that failed. */
export function backLink(context: PageContext): SafeHtml {
  return html`<p><a href="${context.base}/">${context.t('backToOverview')}</a></p>`;
}
