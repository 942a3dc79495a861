/**
 * The tables `npm run bench:ingest` prints: medians of the rounds, their spread, and the worker against
 * the fastest plain way of writing the same number of rows, measured in the same rounds.
 */
import { type Settings, type StoreName, TARGET_RAW_RATIO, TARGET_WORKER_RATE } from './ingest-settings.js';
import { METHOD_NOTES } from './plain-database.js';
import { count, formatTable } from './report.js';

/** What the rounds of one transport × store × access records run measured. */
export interface Figures {
  /** Msg/s through the app's Producer, one per round. */
  producer: number[];
  /** Msg/s of the worker draining the round's messages, one per round. */
  worker: number[];
  /** CPU time of this process during each worker phase, as a share of one core. */
  workerCpu: number[];
  /** Rows/s of each plain method (see PlainDatabase.methods), one per round. */
  raw: Record<string, number[]>;
  /** Over all rounds: messages the workers handled, and those that went to the failure store. */
  handled: number;
  failures: number;
  /** Requests the store counted at the end: SUM(count) of its minute buckets, rolled up or not. */
  stored: number;
  /** Access records at the end (null with them off). */
  records: number | null;
  /** Messages still in the transport after the last round: waiting or unacknowledged. */
  left: number;
  load: string;
}

export interface Run {
  transport: string;
  store: string;
  accessRecords: boolean;
  outcome: Figures | { skipped: string } | { failed: string };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Half the range of the rounds, as a share of their median: `±4%`. */
function spread(values: readonly number[]): string {
  if (values.length < 2) return '';
  const half = (Math.max(...values) - Math.min(...values)) / 2 / median(values);
  return ` ±${Math.round(half * 100)}%`;
}

function rate(values: readonly number[]): string {
  return `${count(median(values))}${spread(values)}`;
}

/** The plain method with the highest median rate: the run's yardstick. */
export function fastest(figures: Figures): string {
  const methods = Object.keys(figures.raw);
  return methods.reduce((best, method) =>
    median(figures.raw[method]!) > median(figures.raw[best]!) ? method : best,
  );
}

/** The worker over the yardstick, round by round (both measured in the same round), then the median. */
export function ratio(figures: Figures): number {
  const raw = figures.raw[fastest(figures)]!;
  return median(figures.worker.map((worker, round) => worker / raw[round]!));
}

/** What the store holds against what was sent; a mismatch is spelt out. */
export function check(figures: Figures, n: number): string {
  const problems: string[] = [];
  if (figures.handled !== n) problems.push(`${figures.handled} handled`);
  if (figures.stored !== n) problems.push(`${figures.stored} counted`);
  if (figures.records !== null && figures.records !== n) problems.push(`${figures.records} access records`);
  if (figures.failures > 0) problems.push(`${figures.failures} failed`);
  if (figures.left > 0) problems.push(`${figures.left} left in the transport`);
  return problems.length === 0 ? 'ok' : `WRONG: ${problems.join(', ')}`;
}

function why(outcome: Run['outcome']): string | undefined {
  if ('skipped' in outcome) return `skipped: ${outcome.skipped}`;
  if ('failed' in outcome) return `failed: ${outcome.failed}`;
  return undefined;
}

/**
 * One row per transport → store; for access records off and on, side by side: the worker's msg/s, its
 * yardstick's rows/s and the ratio.
 */
export function summaryTable(runs: readonly Run[], n: number): string {
  const header = ['transport → store'];
  for (const mode of ['off', 'on'])
    header.push(`worker msg/s ${mode}`, `raw rows/s ${mode}`, `ratio ${mode}`);
  header.push('counted once?');
  const pairs = [...new Set(runs.map((run) => `${run.transport} → ${run.store}`))];
  const rows = pairs.map((pair) => {
    const cells = [pair];
    const checks: string[] = [];
    for (const mode of [false, true]) {
      const run = runs.find((r) => `${r.transport} → ${r.store}` === pair && r.accessRecords === mode);
      const outcome = run?.outcome;
      if (!outcome || 'skipped' in outcome || 'failed' in outcome) {
        cells.push('-', '-', '-');
        if (outcome) checks.push(`${mode ? 'on' : 'off'} ${why(outcome)}`);
        continue;
      }
      cells.push(rate(outcome.worker), rate(outcome.raw[fastest(outcome)]!), ratio(outcome).toFixed(2));
      const verdict = check(outcome, n);
      if (verdict !== 'ok') checks.push(`${mode ? 'on' : 'off'} ${verdict}`);
    }
    cells.push(checks.length === 0 ? 'yes' : checks.join('; '));
    return cells;
  });
  return formatTable(header, rows, (column) => column > 0 && column < header.length - 1);
}

/** One row per run: the producer, every round of the worker, each plain method, the checks. */
export function detailTable(runs: readonly Run[], n: number): string {
  const header = [
    'transport → store',
    'access records',
    'producer msg/s',
    'worker msg/s, by round',
    'worker cpu',
    'raw rows/s, by method (yardstick first)',
    'stored = N?',
    'load',
  ];
  const rows = runs.map((run) => {
    const label = [`${run.transport} → ${run.store}`, run.accessRecords ? 'on' : 'off'];
    const { outcome } = run;
    if ('skipped' in outcome || 'failed' in outcome)
      return [...label, '-', '-', '-', why(outcome)!, '-', '-'];
    const best = fastest(outcome);
    const methods = [best, ...Object.keys(outcome.raw).filter((method) => method !== best)];
    return [
      ...label,
      rate(outcome.producer),
      outcome.worker.map(count).join(' · '),
      `${Math.round(median(outcome.workerCpu) * 100)}%`,
      methods.map((method) => `${method} ${rate(outcome.raw[method]!)}`).join(' · '),
      check(outcome, n),
      outcome.load,
    ];
  });
  return formatTable(header, rows, (column) => column >= 2 && column <= 4);
}

/** The targets of the Redis → PostgreSQL runs, met or not, one line each. */
export function verdicts(runs: readonly Run[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    const { outcome } = run;
    if (run.transport !== 'redis' || run.store !== 'postgres' || !('worker' in outcome)) continue;
    const worker = median(outcome.worker);
    if (!run.accessRecords) {
      const met = worker >= TARGET_WORKER_RATE ? 'met' : 'NOT met';
      lines.push(
        `Redis → PostgreSQL, access records off: worker ${count(worker)} msg/s (median of the rounds); ` +
          `target ≥ ${count(TARGET_WORKER_RATE)} msg/s: ${met}`,
      );
    } else {
      const met = ratio(outcome) >= TARGET_RAW_RATIO ? 'met' : 'NOT met';
      lines.push(
        `Redis → PostgreSQL, access records on: worker/raw ${ratio(outcome).toFixed(2)}; ` +
          `target ≥ ${TARGET_RAW_RATIO.toFixed(2)}: ${met}`,
      );
    }
  }
  return lines;
}

/** What the columns mean and what each yardstick writes. */
export function notes(settings: Settings, stores: readonly StoreName[]): string {
  return [
    `Every figure is the median of ${settings.rounds} rounds, ± half their range; in each round the worker ` +
      'and each raw method take their turn on the same slice of the messages, in an order that rotates.',
    'worker msg/s: messages of the round over the wall time the worker took to drain them. raw rows/s: the ' +
      `same number of rows written by the bare driver, hand-written SQL, batches of ${settings.batchSize}, ` +
      'one transaction each, one connection; the fastest plain method of the database by its median ' +
      '(all of them in the second table). off: a narrow row per message (ts, method, route, status, time) ' +
      'into a table with only a primary key; on: the access records the worker writes, every column, into ' +
      "an access_records table of the store's own schema, its unique key and indexes included, without " +
      'ON CONFLICT. ratio: worker over raw, round by round, median. counted once?: SUM(count) of the ' +
      "store's minute buckets (rolled up or not) and the access records equal the messages sent, none " +
      'failed, none left in the transport.',
    ...stores.map((store) => METHOD_NOTES[store]),
    "producer msg/s: the Producer sending the round's messages; worker cpu: CPU time of this process during " +
      'the worker phase as a share of one core (above 100%: GC and driver threads; the database and the ' +
      'broker run in their own processes); load: 1-minute load average at the end of the run.',
    `Targets for Redis → PostgreSQL: a single worker ≥ ${count(TARGET_WORKER_RATE)} msg/s without access ` +
      `records, ≥ ${TARGET_RAW_RATIO} × the raw yardstick with them.`,
    'Indicative figures: producer, worker, broker and database share this machine, and other work may run on it.',
  ].join('\n');
}
