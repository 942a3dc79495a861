/**
 * `routeperf/prometheus`: the stored metrics of the routes in Prometheus' text format, for apps that
 * already scrape Prometheus (Grafana dashboards and alerts keep working). Read from the store, not from
 * this process's memory: every instance of an app, and every worker, exposes the same figures, which
 * cover all of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { formatIssues } from '../config/format-error.js';
import { RouteperfError } from '../errors.js';
import type { Routeperf } from '../routeperf.js';
import { exposition, PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import { routeFamilies } from './route-families.js';
import { type QuantileWindow, WINDOW, WINDOW_EXPECTED, windowMs } from './window.js';

export { PROMETHEUS_CONTENT_TYPE };

export interface PrometheusOptions {
  /** How far back the quantiles of the request time look: whole minutes or hours. Default `'5m'`. */
  window?: QuantileWindow;
  /** The environments to expose. Default: the configured one. */
  environments?: readonly string[];
}

const optionsSchema = z.strictObject({
  window: z
    .string()
    .regex(WINDOW, { error: `expected ${WINDOW_EXPECTED}` })
    .optional(),
  environments: z
    .array(z.string().min(1), { error: 'expected a list of environment names' })
    .min(1, { error: 'expected at least one environment' })
    .optional(),
});

interface Resolved {
  window: string;
  windowMs: number;
  environments: readonly string[] | undefined;
}

/** Throws ROUTEPERF_CONFIG_INVALID naming each bad option. */
function resolve(options: PrometheusOptions): Resolved {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const lines = formatIssues(result.error.issues, options, optionsSchema);
    throw new RouteperfError(
      'ROUTEPERF_CONFIG_INVALID',
      `Invalid Prometheus options:\n  ${lines.join('\n  ')}`,
    );
  }
  const window = options.window ?? '5m';
  return { window, windowMs: windowMs(window)!, environments: options.environments };
}

async function render(routeperf: Routeperf, { window, windowMs, environments }: Resolved): Promise<string> {
  const total = [];
  const recent = [];
  for (const environment of environments ?? [routeperf.config.environment]) {
    // The window first: a route that appears between the two reads is then in both, or in the total only.
    recent.push(...(await routeperf.routes({ environment, since: Date.now() - windowMs, sort: 'route' })));
    total.push(...(await routeperf.routes({ environment, sort: 'route' })));
  }
  return exposition(routeFamilies(total, recent, window));
}

/** The exposition of the routes' stored metrics, as a scrape of `prometheusHandler` returns it. */
export async function prometheusMetrics(
  routeperf: Routeperf,
  options: PrometheusOptions = {},
): Promise<string> {
  return render(routeperf, resolve(options));
}

/** What a scrape is answered: the exposition, or why there is none. */
interface ScrapeAnswer {
  status: 200 | 405 | 503;
  headers: Record<string, string>;
  /** Undefined for a HEAD. */
  body: string | undefined;
}

const TEXT = 'text/plain; charset=utf-8';

async function answer(
  routeperf: Routeperf,
  resolved: Resolved,
  method: string | undefined,
): Promise<ScrapeAnswer> {
  if (method !== 'GET' && method !== 'HEAD')
    return {
      status: 405,
      headers: { allow: 'GET, HEAD', 'content-type': TEXT },
      body: 'Method not allowed: a scrape is a GET.\n',
    };
  try {
    const text = await render(routeperf, resolved);
    return {
      status: 200,
      headers: { 'content-type': PROMETHEUS_CONTENT_TYPE },
      body: method === 'HEAD' ? undefined : text,
    };
  } catch (error) {
    const body = `routeperf could not read its store: ${(error as Error).message}\n`;
    return { status: 503, headers: { 'content-type': TEXT }, body };
  }
}

/**
 * A node:http handler (`(req, res)`: also Express', Connect's, and Koa's `ctx.req`, `ctx.res`) that answers
 * a scrape. A store that cannot be read answers 503 with the reason, which Prometheus shows as the
 * target's error; nothing is thrown into the app. Bad options throw here, when the handler is made.
 */
export function prometheusHandler(
  routeperf: Routeperf,
  options: PrometheusOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const resolved = resolve(options);
  return (req, res) => {
    void answer(routeperf, resolved, req.method).then(({ status, headers, body }) => {
      res.writeHead(status, headers);
      res.end(body);
    });
  };
}

/** The same for the Fetch API (Hono, and any runtime with Request and Response). */
export function prometheusFetchHandler(
  routeperf: Routeperf,
  options: PrometheusOptions = {},
): (request: Request) => Promise<Response> {
  const resolved = resolve(options);
  return async (request) => {
    const { status, headers, body } = await answer(routeperf, resolved, request.method);
    return new Response(body ?? null, { status, headers });
  };
}
