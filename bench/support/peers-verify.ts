/**
 * Did a variant of `bench/peers.ts` record what its app served? Each tool is asked in its own terms:
 * routeperf's stats() and its store, the prom-client peers' /metrics, swagger-stats' stats API, and what
 * OpenTelemetry's exporters delivered to the bench's OTLP sink.
 */
import type { RouteperfStats as PackageStats, RecordingMode } from '../../src/index.js';
import type { Variant } from './peers-cases.js';

/** routeperf's counters and recording mode, as the bench server reports them. */
export type RouteperfStats = PackageStats & { mode: RecordingMode };

export interface Verification {
  /** Requests the tool recorded, or null for a variant that records nothing (bare, disabled). */
  recorded: number | null;
  ok: boolean;
  /** For the table: `ok 12,345`, or what differs from the requests served. */
  text: string;
}

/** What the bench read of a tool before (scraped) and after (stats, store, sink) its app stopped. */
export interface Readings {
  /** Requests the route answered in full. */
  served: number;
  /** Requests the route started: more than served when autocannon closed connections on requests in flight. */
  started: number;
  stats: RouteperfStats | null;
  /** The count a prom-client peer or swagger-stats gave for the route. */
  scraped?: number;
  /** async-redis: requests the worker's store holds after it drained. */
  workerStored?: number;
  /** OpenTelemetry: server spans, or the route's request-duration histogram count, the sink received. */
  exported?: number;
}

/** The route's request count from a tool's HTTP API, read while its app still runs; undefined for others. */
export async function scrape(variant: Variant, url: string): Promise<number | undefined> {
  if (variant === 'fastify-metrics' || variant === 'express-prom-bundle') {
    return promCount(await text(`${url}/metrics`), 'http_request_duration_seconds_count');
  }
  if (variant === 'swagger-stats') {
    const stats = JSON.parse(await text(`${url}/swagger-stats/stats?fields=apistats`)) as {
      apistats?: Record<string, Record<string, { requests?: number }>>;
    };
    return stats.apistats?.['/users/:id']?.GET?.requests ?? 0;
  }
  return undefined;
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/**
 * The sum of a metric's series for the route in Prometheus' text format: fastify-metrics labels it
 * `route="/users/:id"`, express-prom-bundle `path="/users/#val"`.
 */
function promCount(exposition: string, metric: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${metric}{`) || !line.includes('"/users/')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export function verify(variant: Variant, readings: Readings): Verification {
  const { stats } = readings;
  if (variant === 'bare') return { recorded: null, ok: true, text: '-' };
  if (variant === 'disabled') return { recorded: null, ok: true, text: 'off' };
  if (stats) return verifyRouteperf(variant, readings, stats);
  const recorded = readings.scraped ?? readings.exported;
  if (recorded === undefined) return { recorded: null, ok: false, text: 'NOT READ' };
  return compare(recorded, readings);
}

function verifyRouteperf(variant: Variant, readings: Readings, stats: RouteperfStats): Verification {
  if (stats.mode.fallback)
    return { recorded: null, ok: false, text: `FELL BACK TO SYNC: ${stats.mode.fallback}` };
  const extra = [
    stats.dropped > 0 && `dropped ${stats.dropped}`,
    stats.queued > 0 && `queued ${stats.queued}`,
  ]
    .filter(Boolean)
    .join(', ');
  if (variant !== 'async-redis') {
    const result = compare(stats.stored, readings);
    return extra ? { ...result, ok: false, text: `${result.text} (${extra})` } : result;
  }
  // Sent by the app, then stored by the worker: both must be every request served.
  const stored = readings.workerStored ?? 0;
  const sent = compare(stats.sent, readings);
  const result = compare(stored, readings);
  if (sent.ok && result.ok && !extra) return result;
  const details = [`sent ${stats.sent.toLocaleString('en-US')}`, extra].filter(Boolean).join(', ');
  return { recorded: stored, ok: false, text: `${result.ok ? 'stored all' : result.text} (${details})` };
}

/**
 * Every request answered must be recorded; one the client dropped before its answer may be or not, as
 * the tool's own policy is (several record it, as an aborted request).
 */
function compare(recorded: number, { served, started }: Readings): Verification {
  const figure = (n: number) => n.toLocaleString('en-US');
  if (recorded === served) return { recorded, ok: true, text: `ok ${figure(recorded)}` };
  if (recorded > served && recorded <= started)
    return { recorded, ok: true, text: `ok ${figure(recorded)} (${recorded - served} unanswered)` };
  return { recorded, ok: false, text: `MISMATCH ${figure(recorded)} of ${figure(served)}` };
}
