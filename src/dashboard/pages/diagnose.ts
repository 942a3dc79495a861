/**
 * The diagnose page (`<path>/diagnose`): what `routeperf diagnose` reports, found by the same checks
 * (routeperf/diagnosis/) run by the app that serves the page: the configuration (secrets redacted), how
 * this process records (its mode, and why it fell back), whether the database answers and has its tables,
 * the messages waiting on the transport when a separate worker must store them, the failed messages, the
 * workers alive or the last one seen, every problem with its fix, and this process's counters.
 */
import type { ResolvedConfig } from '../../config/types.js';
import type { Diagnosis } from '../../routeperf/diagnosis/index.js';
import { html, type SafeHtml } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { layout, type PageContext } from './layout.js';

export interface DiagnoseData {
  config: ResolvedConfig;
  diagnosis: Diagnosis;
}

type WorkerStatus = NonNullable<Diagnosis['workers']>['alive'][number];

const TABLES: Readonly<Record<Diagnosis['database']['tables'], MessageKey>> = {
  complete: 'diagTablesComplete',
  'missing or out of date': 'diagTablesMissing',
  unknown: 'diagTablesUnknown',
};

const STATS = ['recorded', 'stored', 'dropped', 'sent', 'queued'] as const;

export function diagnosePage(context: PageContext, data: DiagnoseData): string {
  const { t, formats } = context;
  const { diagnosis } = data;
  const stats = STATS.map((name) => [name, formats.count(diagnosis.thisProcess[name])] as const);
  return layout(context, {
    title: t('navDiagnose'),
    section: 'diagnose',
    main: html`<h1>${t('navDiagnose')}</h1>
<p class="muted">${t('diagIntro')}</p>
${problems(context, diagnosis)}
<section class="card"><h2>${t('diagConfiguration')}</h2>${pairs(configurationRows(context, data), 'configuration')}</section>
${checks(context, diagnosis)}
<section class="card"><h2>${t('diagThisProcess')}</h2>${pairs(stats, 'stats')}<p class="muted">${t('diagStatsNote')}</p></section>
<p class="muted">${t('diagMore')} <code>npx routeperf diagnose</code></p>`,
  });
}

function configurationRows(context: PageContext, { config, diagnosis }: DiagnoseData): [string, string][] {
  const { t, formats } = context;
  const shown = diagnosis.configuration;
  const onOff = (on: boolean) => t(on ? 'diagOn' : 'diagOff');
  const retention = (value: string | null) => value ?? t('diagForever');
  const recording = config.enabled
    ? t(shown.recording.on ? 'diagRecorded' : 'diagNotRecorded')
    : t('diagDisabled');
  return [
    [t('diagConfigFile'), shown.configFile ?? t('diagNoConfigFile')],
    [t('environment'), `${shown.environment} (${recording})`],
    [t('diagEnvironments'), config.environments.join(', ')],
    [
      t('diagDatabase'),
      `${shown.database} (${t(diagnosis.database.reachable ? 'diagReachable' : 'diagUnreachable')})`,
    ],
    [t('diagTablePrefix'), config.tablePrefix],
    [t('diagMode'), modeOf(context, diagnosis.mode)],
    [t('diagFailureStore'), shown.failureTransport],
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
}

function modeOf(context: PageContext, mode: Diagnosis['mode']): string {
  const { t } = context;
  if (mode === null) return t('diagModeNone');
  if (mode.fallback) return t('diagModeFallback');
  if (!mode.async) return t('diagModeSync');
  return t('diagModeAsync', { transport: mode.transport ?? 'sync://' });
}

/** What the database, the transport, the failure store and the workers table said. */
function checks(context: PageContext, diagnosis: Diagnosis): SafeHtml {
  const { t, formats } = context;
  const { database, failedMessages, workers } = diagnosis;
  const now = Date.parse(diagnosis.checkedAt);
  const unknown = t(database.reachable ? 'diagUnknownNoTables' : 'diagUnknownUnreachable');
  const rows: [string, string][] = [
    [t('diagTables'), t(TABLES[database.tables])],
    [t('diagTransport'), transportState(context, diagnosis)],
    [t('diagFailedMessages'), failedMessages === null ? unknown : formats.count(failedMessages)],
    [t('diagWorkers'), workers === null ? unknown : workersState(context, workers)],
  ];
  return html`<section class="card"><h2>${t('diagChecks')}</h2>${pairs(rows, 'checks')}${
    workers?.alive.length ? workerTable(context, workers.alive, now) : ''
  }</section>`;
}

function transportState(context: PageContext, { mode, transport }: Diagnosis): string {
  const { t, formats } = context;
  if (mode === null) return t('diagNotChecked');
  if (transport === null) return t('diagNoWorkerNeeded');
  if (!transport.reachable)
    return t('diagTransportDown', { dsn: transport.dsn, error: transport.error ?? '' });
  return t('diagTransportUp', {
    dsn: transport.dsn,
    pending: formats.count(transport.pending ?? 0),
    inFlight: formats.count(transport.inFlight ?? 0),
  });
}

function workersState(context: PageContext, workers: NonNullable<Diagnosis['workers']>): string {
  const { t, formats } = context;
  const rule = t('diagWorkersRule', { seconds: workers.aliveWithinSeconds });
  if (workers.alive.length) return `${formats.count(workers.alive.length)} (${rule})`;
  const last = workers.lastSeen;
  return last
    ? t('diagWorkersLastSeen', { rule, when: formats.date(last.heartbeatAt), host: last.host, pid: last.pid })
    : t('diagWorkersNoneSeen', { rule });
}

function workerTable(context: PageContext, alive: readonly WorkerStatus[], now: number): SafeHtml {
  const { t, formats } = context;
  const header = (key: MessageKey, text = false) =>
    html`<th${text ? html` class="text"` : ''} scope="col">${t(key)}</th>`;
  const seconds = (date: Date) => Math.max(0, Math.round((now - date.getTime()) / 1000));
  return html`<div class="table-wrap"><table class="compact" data-table="workers"><thead><tr>${[
    header('diagColHost', true),
    header('diagColPid'),
    header('diagTransport', true),
    header('diagColStarted'),
    header('diagColHeartbeat'),
    header('diagColStored'),
    header('diagColFailed'),
  ]}</tr></thead><tbody>${alive.map(
    (worker) =>
      html`<tr><td class="text">${worker.host}</td><td>${worker.pid}</td><td class="text">${worker.transport}</td><td>${formats.date(worker.startedAt)}</td><td>${t('diagSecondsAgo', { seconds: seconds(worker.heartbeatAt) })}</td><td>${formats.count(worker.handled)}</td><td>${formats.count(worker.failed)}</td></tr>`,
  )}</tbody></table></div>`;
}

function problems(context: PageContext, diagnosis: Diagnosis): SafeHtml {
  const { t, formats } = context;
  // The shared checks word their problems and fixes in English, as `routeperf diagnose` prints them: one
  // text in both places, whose fix ends with the command to run. The page says so in the page's language.
  const shared = diagnosis.problems.map(
    (problem) =>
      html`<li data-problem="${problem.code}">${problem.message}<br><span class="muted">${t('diagFix', { fix: problem.fix })}</span></li>`,
  );
  // The counters are this process's: only here, in the app, are its drops the app's.
  const { dropped } = diagnosis.thisProcess;
  const own = dropped
    ? [html`<li data-problem="dropped">${t('diagProblemDropped', { count: formats.count(dropped) })}</li>`]
    : [];
  const found = [...shared, ...own];
  return html`<section class="card"><h2>${t('diagProblems', { count: found.length })}</h2>${
    found.length === 0
      ? html`<p data-problems="0">${t('diagNoProblems')}</p>`
      : html`<ul data-problems="${found.length}">${found}</ul>${shared.length ? html`<p class="muted">${t('diagProblemsInEnglish')}</p>` : ''}`
  }</section>`;
}

function pairs(rows: readonly (readonly [string, string])[], name: string): SafeHtml {
  return html`<dl class="pairs" data-pairs="${name}">${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}
