import { formatCount } from '../routeperf/count-text.js';
import type { Diagnosis } from '../routeperf/diagnosis/index.js';
import type { WorkerStatus } from '../store/workers.js';
import { type Column, printable, renderTable } from './format.js';

const WORKER_COLUMNS = (now: number): Column<WorkerStatus>[] => [
  { header: 'HOST', align: 'left', cell: (worker) => worker.host, maxWidth: 30 },
  { header: 'PID', align: 'right', cell: (worker) => String(worker.pid) },
  { header: 'TRANSPORT', align: 'left', cell: (worker) => worker.transport, maxWidth: 40 },
  { header: 'STARTED', align: 'right', cell: (worker) => ago(worker.startedAt, now) },
  { header: 'HEARTBEAT', align: 'right', cell: (worker) => ago(worker.heartbeatAt, now) },
  { header: 'LAST BATCH', align: 'right', cell: (worker) => ago(worker.lastBatchAt, now) },
  { header: 'STORED', align: 'right', cell: (worker) => formatCount(worker.handled) },
  { header: 'FAILED', align: 'right', cell: (worker) => formatCount(worker.failed) },
];

/** The diagnosis for a person: sections of `label  value`, the workers as a table, then the problems. */
export function renderDiagnosis(diagnosis: Diagnosis): string {
  const now = Date.parse(diagnosis.checkedAt);
  const { configuration: config, database, transport, workers } = diagnosis;
  const unreadable = database.reachable ? 'the tables are not there yet' : 'the database is unreachable';
  const lines = [
    `routeperf diagnose, ${diagnosis.checkedAt}`,
    '',
    'Configuration',
    pairs(
      [
        ['config file', config.configFile ?? 'none (defaults and ROUTEPERF_* variables)'],
        [
          'environment',
          `${config.environment} (${config.recording.on ? 'recorded' : `not recorded: ${config.recording.reason}`})`,
        ],
        ['database', `${config.database} (autoSetup ${config.autoSetup ? 'on' : 'off'})`],
        ['async', config.async ? 'on' : 'off'],
        ['transport', config.transport],
        ['failure store', config.failureTransport],
      ],
      '  ',
    ),
    '',
    pairs([
      ['Mode', diagnosis.mode?.summary ?? 'none: an app with this configuration cannot start routeperf'],
      ...(diagnosis.mode?.fallback ? ([['  why', diagnosis.mode.fallback]] as [string, string][]) : []),
      [
        'Database',
        database.reachable
          ? `reachable, tables ${database.tables}`
          : `unreachable${database.error ? `: ${database.error}` : ''}`,
      ],
      ['Transport', diagnosis.mode ? describeTransport(transport) : 'not checked'],
      [
        'Failed messages',
        diagnosis.failedMessages === null ? `unknown (${unreadable})` : formatCount(diagnosis.failedMessages),
      ],
      ['Workers alive', workers === null ? `unknown (${unreadable})` : describeWorkers(workers, now)],
    ]),
    ...(workers?.alive.length ? [indent(renderTable(WORKER_COLUMNS(now), workers.alive))] : []),
    '',
    pairs([['This process', describeProcess(diagnosis.thisProcess)]]),
    '',
    ...(diagnosis.problems.length
      ? [
          `Problems (${diagnosis.problems.length}):`,
          ...diagnosis.problems.map((problem) => `  ✗ ${problem.message} → ${problem.fix}`),
        ]
      : ['No problems found.']),
  ];
  return lines.join('\n');
}

function describeTransport(transport: Diagnosis['transport']): string {
  if (transport === null) return 'no separate worker needed in this mode';
  if (!transport.reachable) return `${transport.dsn} unreachable: ${transport.error}`;
  return `${transport.dsn} reachable, ${formatCount(transport.pending ?? 0)} pending, ${formatCount(transport.inFlight ?? 0)} in flight`;
}

function describeWorkers(workers: NonNullable<Diagnosis['workers']>, now: number): string {
  const rule = `heartbeat within the last ${workers.aliveWithinSeconds} s`;
  if (workers.alive.length) return `${formatCount(workers.alive.length)} (${rule})`;
  const last = workers.lastSeen;
  return last
    ? `none (${rule}); last seen ${ago(last.heartbeatAt, now)}: ${printable(last.host)} pid ${last.pid}`
    : `none (${rule}); none seen in the last week`;
}

function describeProcess(stats: Diagnosis['thisProcess']): string {
  const counts = (['recorded', 'stored', 'dropped', 'sent', 'queued'] as const)
    .map((name) => `${name} ${formatCount(stats[name])}`)
    .join(', ');
  return `${counts} (${stats.note})`;
}

function pairs(rows: [string, string][], indentation = ''): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indentation}${label.padEnd(width)}  ${value}`).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** `4 s ago`, `12 min ago`, `3 h ago`, `2 d ago`; `never` for no date. */
function ago(date: Date | null, now: number): string {
  if (date === null) return 'never';
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}
