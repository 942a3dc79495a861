/**
 * What every page shares: the document around it (head, assets, header, navigation, preferences form,
 * footer) and the bar that picks the environment and the time window.
 */
import type { DashboardAction, ResolvedThresholds } from '../../config/types.js';
import { type AssetName, assets } from '../assets.js';
import type { Formats } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { languageNames, type MessageKey, type Translator } from '../i18n/index.js';
import type { ViewParams } from '../params.js';
import { inputDate, type PeriodName, PRESET_PERIODS } from '../period.js';
import { THEMES, type Theme } from '../preferences.js';

/** What a page knows of the request and the dashboard besides its own data. */
export interface PageContext {
  /** The mount path, `''` for a dashboard at the root: every link starts with it. */
  base: string;
  t: Translator;
  formats: Formats;
  theme: Theme;
  /** The CSRF token the forms send back. */
  csrfToken: string;
  autoRefresh: number | false;
  /** Path and query of the page, where the preferences form comes back to. */
  currentUrl: string;
  /** The environments to choose from, the current one first. */
  environments: string[];
  thresholds: ResolvedThresholds;
  /** The most rows a download holds. */
  exportMaxRows: number;
  /** Whether routeperf stores access records (`accessRecords.enabled`). */
  accessRecords: boolean;
  /** The actions the configuration turns on. */
  actions: Readonly<Record<DashboardAction, boolean>>;
  /** The user of the request's HTTP Basic authentication, if any: the reviewer a review form suggests. */
  user?: string;
  /** What the action that led here did, said once above the page. */
  notice?: string;
}

export type Section = 'overview' | 'routes' | 'statistics' | 'access' | 'records' | 'diagnose';

/** The navigation: each section's path and title. */
const SECTIONS: readonly [Section, string, MessageKey][] = [
  ['overview', '/', 'navOverview'],
  ['routes', '/routes', 'navRoutes'],
  ['statistics', '/statistics', 'navStatistics'],
  ['access', '/access', 'navAccess'],
  ['records', '/records', 'navRecords'],
  ['diagnose', '/diagnose', 'navDiagnose'],
];

export interface PageParts {
  title: string;
  section?: Section;
  /** Under the header: the environment and window bar, when the page has one. */
  bar?: SafeHtml;
  main: SafeHtml;
  /** Without navigation and preferences: for a visitor who is not let in. */
  bare?: boolean;
}

const assetUrl = (context: PageContext, name: AssetName) =>
  `${context.base}/assets/${assets().get(name)!.fileName}`;

/** A whole HTML document. */
export function layout(context: PageContext, parts: PageParts): string {
  const { t, theme } = context;
  const navLink = (section: Section, path: string, label: string) =>
    html`<a href="${context.base}${path}"${parts.section === section ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="${t.locale}" data-theme="${theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${theme === 'auto' ? 'light dark' : theme}">
<meta name="robots" content="noindex, nofollow">
<title>${parts.title} · routeperf</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl(context, 'uplot.css')}">
<link rel="stylesheet" href="${assetUrl(context, 'dashboard.css')}">
<script src="${assetUrl(context, 'uplot.js')}" defer></script>
<script src="${assetUrl(context, 'dashboard.js')}" defer></script>
</head>
<body${context.autoRefresh ? html` data-refresh="${context.autoRefresh}"` : ''}>
<a class="skip" href="#main">${t('skipToContent')}</a>
<header class="top">
<div class="brand">routeperf<span>${t('title')}</span></div>
${
  parts.bare
    ? ''
    : html`<nav>${SECTIONS.map(([section, path, title]) => navLink(section, path, t(title)))}</nav>
${preferencesForm(context)}`
}
</header>
${parts.bar ?? ''}
<main id="main">
${context.notice ? html`<p class="notice" role="status">${context.notice}</p>` : ''}
${parts.main}
</main>
<footer>routeperf${context.autoRefresh ? html` · ${t('autoRefresh', { seconds: context.autoRefresh })}` : ''}</footer>
</body>
</html>
`.value;
}

function preferencesForm(context: PageContext): SafeHtml {
  const { t } = context;
  const themeLabels: Record<Theme, string> = {
    light: t('themeLight'),
    dark: t('themeDark'),
    auto: t('themeAuto'),
  };
  return html`<details class="prefs"><summary>${t('preferences')}</summary>
<form method="post" action="${context.base}/preferences">
<input type="hidden" name="csrf" value="${context.csrfToken}">
<input type="hidden" name="back" value="${context.currentUrl}">
<label>${t('language')}<select name="locale">${languageNames().map(
    ({ locale, name }) =>
      html`<option value="${locale}" lang="${locale}"${locale === t.locale ? html` selected` : ''}>${name}</option>`,
  )}</select></label>
<label>${t('theme')}<select name="theme">${THEMES.map(
    (theme) =>
      html`<option value="${theme}"${theme === context.theme ? html` selected` : ''}>${themeLabels[theme]}</option>`,
  )}</select></label>
<button type="submit">${t('save')}</button>
</form></details>`;
}

/** `<option>`s of a select, `selected` on the current value. */
export function options(
  values: readonly { value: string; label: string }[],
  current: string | undefined,
): SafeHtml {
  return html`${values.map(
    ({ value, label }) =>
      html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`,
  )}`;
}

/** Hidden inputs that carry parameters through a GET form. */
export function hiddenInputs(parameters: Record<string, string | number | undefined>): SafeHtml {
  return html`${Object.entries(parameters).map(([name, value]) =>
    value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">`,
  )}`;
}

/** The environment and time window bar; `keep` carries the page's other parameters through it. */
export function viewBar(
  context: PageContext,
  view: ViewParams,
  action: string,
  keep: Record<string, string | number | undefined> = {},
): SafeHtml {
  const { t } = context;
  const { window } = view;
  const periods: { value: PeriodName; label: string }[] = [
    ...(Object.keys(PRESET_PERIODS) as (keyof typeof PRESET_PERIODS)[]).map((value) => ({
      value,
      label: t(`period${value}`),
    })),
    { value: 'custom', label: t('periodCustom') },
  ];
  const environments = context.environments.map((value) => ({ value, label: value }));
  return html`<form class="bar" method="get" action="${action}">
${hiddenInputs(keep)}
<label>${t('environment')}<select name="env" data-autosubmit>${options(environments, view.environment)}</select></label>
<label>${t('period')}<select name="period" data-autosubmit>${options(periods, window.period)}</select></label>
<label data-custom-range>${t('from')}<input type="datetime-local" name="from" value="${window.from ?? inputDate(window.since)}"></label>
<label data-custom-range>${t('to')}<input type="datetime-local" name="to" value="${window.to ?? inputDate(window.until)}"></label>
<button type="submit">${t('apply')}</button>
</form>`;
}
