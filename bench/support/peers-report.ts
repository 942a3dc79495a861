/**
 * What `bench/peers.ts` prints: each case's rounds reduced to a median, the summary table (ratios to
 * bare), the detailed table, and the targets evaluated on the run.
 */
import {
  type App,
  applies,
  appName,
  type Case,
  caseKey,
  type Variant,
  variantColumns,
  variantLabels,
} from './peers-cases.js';
import type { Measurement } from './peers-measure.js';
import { count, formatTable } from './report.js';

/** One case over every round. */
export interface Summary {
  /** Requests per second of the median round, and the lowest and highest round. */
  median: number;
  low: number;
  high: number;
  /** Of the median round (ms). */
  p99: number;
  /** Errors, timeouts and non-2xx responses of the median round. */
  failed: number;
  /** Medians over the rounds (µs per request). */
  cpu: number;
  workerCpu?: number;
  /** Every round recorded every request it served. */
  ok: boolean;
  /** The median round's verification, or the first that failed. */
  recorded: string;
  loadAverage: string;
}

/** What a case came to: a summary, or why there is none (`skipped: …`, `failed: …`). */
export type Outcome = { summary: Summary } | { missing: string };
export type Outcomes = Map<string, Outcome>;

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function summarize(rounds: readonly Measurement[]): Summary {
  const byRate = [...rounds].sort((a, b) => a.load.requests.average - b.load.requests.average);
  const median = byRate[Math.floor((byRate.length - 1) / 2)]!;
  const failedRound = rounds.find((round) => !round.verification.ok);
  const workerCpu = rounds.flatMap((round) => round.workerCpuPerRequest ?? []);
  return {
    median: median.load.requests.average,
    low: byRate[0]!.load.requests.average,
    high: byRate.at(-1)!.load.requests.average,
    p99: median.load.latency.p99,
    failed: median.load.errors + median.load.timeouts + median.load.non2xx,
    cpu: middle(rounds.map((round) => round.cpuPerRequest)),
    ...(workerCpu.length > 0 && { workerCpu: middle(workerCpu) }),
    ok: !failedRound,
    recorded: (failedRound ?? median).verification.text,
    loadAverage: median.loadAverage,
  };
}

function summaryOf(outcomes: Outcomes, app: App, variant: Variant): Summary | undefined {
  const outcome = outcomes.get(caseKey({ ...app, variant }));
  return outcome && 'summary' in outcome ? outcome.summary : undefined;
}

/** req/s of a variant over bare's, in the same run. */
export function ratioOf(outcomes: Outcomes, app: App, variant: Variant): number | undefined {
  const bare = summaryOf(outcomes, app, 'bare');
  const summary = summaryOf(outcomes, app, variant);
  return bare && summary ? summary.median / bare.median : undefined;
}

/** App-process CPU per request beyond bare's (µs). */
function addedCpuOf(outcomes: Outcomes, app: App, variant: Variant): number | undefined {
  const bare = summaryOf(outcomes, app, 'bare');
  const summary = summaryOf(outcomes, app, variant);
  return bare && summary ? summary.cpu - bare.cpu : undefined;
}

/** Rows: apps; columns: bare's req/s, then each variant's ratio to it ("!" where it missed requests). */
export function summaryTable(apps: readonly App[], variants: readonly Variant[], outcomes: Outcomes): string {
  const header = ['app', ...variants.map((variant) => variantColumns[variant])];
  const rows = apps.map((app) => [
    appName(app),
    ...variants.map((variant) => {
      if (!applies(app.framework, variant)) return 'n/a';
      const outcome = outcomes.get(caseKey({ ...app, variant }));
      if (!outcome) return '-';
      if ('missing' in outcome) return outcome.missing.split(':')[0]!;
      if (variant === 'bare') return count(outcome.summary.median);
      const ratio = ratioOf(outcomes, app, variant);
      return `${ratio === undefined ? '-' : ratio.toFixed(2)}${outcome.summary.ok ? '' : ' !'}`;
    }),
  ]);
  return formatTable(header, rows, (column) => column > 0);
}

export function detailTable(cases: readonly Case[], outcomes: Outcomes, rounds: number): string {
  const header = ['app', 'variant', 'req/s', ...(rounds > 1 ? ['spread'] : []), 'p99 ms', 'vs bare'];
  header.push('cpu µs/req', '+cpu vs bare', 'worker µs/req', 'failed', 'load', 'recorded');
  const rows = cases.map((c) => {
    const label = [appName(c), variantLabels[c.variant]];
    const outcome = outcomes.get(caseKey(c));
    if (!outcome || 'missing' in outcome) {
      return [...label, ...Array<string>(header.length - 3).fill('-'), outcome?.missing ?? 'not run'];
    }
    const s = outcome.summary;
    const added = addedCpuOf(outcomes, c, c.variant);
    return [
      ...label,
      count(s.median),
      ...(rounds > 1 ? [`${count(s.low)}–${count(s.high)}`] : []),
      String(s.p99),
      ratioOf(outcomes, c, c.variant)?.toFixed(2) ?? '-',
      s.cpu.toFixed(0),
      c.variant === 'bare' || added === undefined ? '' : `${added >= 0 ? '+' : ''}${added.toFixed(0)}`,
      s.workerCpu === undefined ? '' : s.workerCpu.toFixed(0),
      String(s.failed),
      s.loadAverage,
      s.recorded,
    ];
  });
  return formatTable(header, rows, (column) => column >= 2 && column < header.length - 1);
}

const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
const ratioText = (value: number) => value.toFixed(2);

/** The targets, each evaluated on this run: one line per app measured. */
export function targetLines(apps: readonly App[], outcomes: Outcomes): string[] {
  const lines: string[] = [];
  for (const app of apps) {
    const ratio = (variant: Variant) => ratioOf(outcomes, app, variant);
    const name = `${appName(app)}:`;
    if (app.framework === 'fastify') lines.push(`${name} ${fastifyTarget(app, ratio)}`);
    else lines.push(`${name} ${expressTarget(ratio)}`);
    lines.push(`${name} ${cpuTarget(app, outcomes)}`);
  }
  return lines;
}

type RatioOf = (variant: Variant) => number | undefined;

function fastifyTarget(app: App, ratio: RatioOf): string {
  const memory = ratio('async-memory');
  if (app.workload === 'query') {
    if (memory === undefined) return 'async memory:// ≥ 0.90 of bare: not measured';
    return `async memory:// ${ratioText(memory)} ≥ 0.90 of bare: ${met(memory >= 0.9)}`;
  }
  const sync = ratio('sync');
  const peer = ratio('fastify-metrics');
  if (memory === undefined || sync === undefined) return 'async memory:// and sync: not measured';
  const parts = [
    `async memory:// ${ratioText(memory)} ≥ 0.85 of bare: ${met(memory >= 0.85)}`,
    `sync SQLite ${ratioText(sync)} ≥ 0.75: ${met(sync >= 0.75)}`,
    peer === undefined
      ? 'fastify-metrics: not measured'
      : `both ≥ fastify-metrics ${ratioText(peer)}: ${met(Math.min(memory, sync) >= peer)}`,
  ];
  return parts.join('; ');
}

function expressTarget(ratio: RatioOf): string {
  const peers = (['express-prom-bundle', 'swagger-stats'] as const).map(ratio);
  const ours = (['sync', 'async-memory', 'async-redis'] as const).map(
    (variant) => [variant, ratio(variant)] as const,
  );
  if (peers.some((peer) => peer === undefined) || ours.some(([, value]) => value === undefined))
    return 'routeperf sync, memory://, redis:// ≥ max(express-prom-bundle, swagger-stats): not measured';
  const best = Math.max(...(peers as number[]));
  const figures = ours
    .map(([variant, value]) => `${variantColumns[variant]} ${ratioText(value!)}`)
    .join(', ');
  const ok = ours.every(([, value]) => value! >= best);
  return `routeperf ${figures} each ≥ max(express-prom-bundle, swagger-stats) ${ratioText(best)}: ${met(ok)}`;
}

/** async redis:// adds the least app CPU per request of every variant that monitors. */
function cpuTarget(app: App, outcomes: Outcomes): string {
  const redis = addedCpuOf(outcomes, app, 'async-redis');
  const others = (Object.keys(variantLabels) as Variant[])
    .filter((variant) => !['bare', 'disabled', 'async-redis'].includes(variant))
    .flatMap((variant) => {
      const added = addedCpuOf(outcomes, app, variant);
      return added === undefined ? [] : [{ variant, added }];
    })
    .sort((a, b) => a.added - b.added);
  if (redis === undefined || others.length === 0)
    return 'app CPU added per request, async redis:// lowest: not measured';
  const next = others[0]!;
  const figure = (micros: number) => `${micros >= 0 ? '+' : ''}${micros.toFixed(1)} µs`;
  return (
    `app CPU added per request, async redis:// ${figure(redis)}, lowest of the monitoring variants ` +
    `(next: ${variantColumns[next.variant]} ${figure(next.added)}): ${met(redis <= next.added)}`
  );
}
