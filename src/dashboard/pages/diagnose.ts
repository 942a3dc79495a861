/**
 * The diagnose page (`<path>/diagnose`): what the routeperf handle can tell of itself, the part of
 * `routeperf diagnose` that needs no other connection: the configuration (secrets redacted), how this
 * process records (its mode, and why it fell back), its counters, and whether the database answers a read.
 * The transport, failed messages and workers are left to `routeperf diagnose`.
 */
import { unrecordedEnvironment } from '../../config/environments.js';
import { redactDsn } from '../../dsn.js';
import type { Routeperf } from '../../routeperf.js';
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { layout, type PageContext } from './layout.js';

export interface DiagnoseData {
  config: Routeperf['config'];
  mode: Routeperf['mode'];
  stats: ReturnType<Routeperf['stats']>;
  /** Whether a read of the database answered. */
  databaseReachable: boolean;
}

/** Each problem the page can find, and the fix it suggests. */
function problemsOf(data: DiagnoseData): [MessageKey, Record<string, string>][] {
  const problems: [MessageKey, Record<string, string>][] = [];
  const unrecorded = unrecordedEnvironment(data.config);
  if (unrecorded) problems.push(['diagProblemEnvironment', { reason: unrecorded }]);
  if (data.mode.fallback) problems.push(['diagProblemFallback', { reason: data.mode.fallback }]);
  if (!data.databaseReachable) problems.push(['diagProblemDatabase', {}]);
  if (data.stats.dropped > 0) problems.push(['diagProblemDropped', { count: String(data.stats.dropped) }]);
  return problems;
}

function modeOf(context: PageContext, mode: Routeperf['mode']): string {
  const { t } = context;
  if (mode.fallback) return t('diagModeFallback');
  if (!mode.async) return t('diagModeSync');
  return t('diagModeAsync', { transport: mode.transport ?? 'sync://' });
}

export function diagnosePage(context: PageContext, data: DiagnoseData): string {
  const { t, formats } = context;
  const { config } = data;
  const onOff = (on: boolean) => t(on ? 'diagOn' : 'diagOff');
  const unrecorded = unrecordedEnvironment(config);
  const retention = (value: string | null) => value ?? t('diagForever');
  const rows: [string, string][] = [
    [t('diagConfigFile'), config.configFile ?? t('diagNoConfigFile')],
    [
      t('environment'),
      `${config.environment} (${config.enabled ? (unrecorded ? t('diagNotRecorded') : t('diagRecorded')) : t('diagDisabled')})`,
    ],
    [t('diagEnvironments'), config.environments.join(', ')],
    [
      t('diagDatabase'),
      `${redactDsn(config.database)} (${t(data.databaseReachable ? 'diagReachable' : 'diagUnreachable')})`,
    ],
    [t('diagTablePrefix'), config.tablePrefix],
    [t('diagMode'), modeOf(context, data.mode)],
    [t('diagFailureStore'), redactDsn(config.failureTransport)],
    [t('diagSampling'), formats.percent(config.samplingRate)],
    [t('diagTrackQueries'), onOff(config.trackQueries)],
    [t('diagNPlusOne'), formats.count(config.nPlusOneThreshold)],
    [t('diagMaxRoutes'), formats.count(config.maxRoutes)],
    [
      t('diagAccessRecords'),
      config.accessRecords.enabled
        ? t('diagRecordsOn', { days: config.accessRecords.retentionDays ?? '∞' })
        : onOff(false),
    ],
    [
      t('diagRetention'),
      `${retention(config.retention.minutes)} / ${retention(config.retention.hours)} / ${retention(config.retention.days)}`,
    ],
    [
      t('diagActions'),
      Object.entries(context.actions)
        .filter(([, on]) => on)
        .map(([action]) => action)
        .join(', ') || t('diagNone'),
    ],
  ];
  return layout(context, {
    title: t('navDiagnose'),
    section: 'diagnose',
    main: html`<h1>${t('navDiagnose')}</h1>
<p class="muted">${t('diagIntro')}</p>
${problems(context, data)}
<section class="card"><h2>${t('diagConfiguration')}</h2>${pairs(rows, 'configuration')}</section>
<section class="card"><h2>${t('diagThisProcess')}</h2>${pairs(
      (['recorded', 'stored', 'dropped', 'sent', 'queued'] as const).map((name) => [
        name,
        formats.count(data.stats[name]),
      ]),
      'stats',
    )}<p class="muted">${t('diagStatsNote')}</p></section>
<p class="muted">${t('diagMore')} <code>npx routeperf diagnose</code></p>`,
  });
}

function problems(context: PageContext, data: DiagnoseData): SafeHtml {
  const { t } = context;
  const found = problemsOf(data);
  return html`<section class="card"><h2>${t('diagProblems', { count: found.length })}</h2>${
    found.length === 0
      ? html`<p data-problems="0">${t('diagNoProblems')}</p>`
      : html`<ul data-problems="${found.length}">${found.map(([key, values]) => html`<li>${t(key, values)}</li>`)}</ul>`
  }</section>`;
}

function pairs(rows: readonly (readonly [string, string])[], name: string): SafeHtml {
  return html`<dl class="pairs" data-pairs="${name}">${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}
