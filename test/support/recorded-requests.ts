import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { type HttpRouteperfOptions, withRouteperf } from '../../src/adapters/http.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import type { Routeperf } from '../../src/routeperf.js';
import { closeServer, listen } from './http.js';
import { capturingLogger } from './logger.js';

/**
 * A real node:http server, recorded by routeperf (`options`; SQLite in memory by default) in synchronous
 * mode, whose requests `respond` answers. Metrics are kept by path (`beforeRecord`), so each request's own
 * are found whatever runs beside it, as soon as its response has arrived. Closing it fails if routeperf
 * logged an error.
 */
async function serveRecorded(
  respond: (path: string, res: ServerResponse) => Promise<void>,
  options: HttpRouteperfOptions,
) {
  const recorded = new Map<string, RequestMetrics>();
  const { logger, lines } = capturingLogger();
  const listener = withRouteperf((req, res) => respond(req.url ?? '/', res), {
    database: 'sqlite::memory:',
    environment: 'test',
    logger,
    accessRecords: { enabled: true },
    ...options,
    beforeRecord: (metrics) => {
      recorded.set(metrics.path ?? '', metrics);
    },
  });
  const server = createServer(listener);
  const base = await listen(server);
  return {
    base,
    listener,
    metricsOf(path: string): RequestMetrics {
      const metrics = recorded.get(path);
      if (!metrics) throw new Error(`routeperf recorded nothing for ${path}`);
      return metrics;
    },
    async close() {
      await closeServer(server);
      await listener.close();
      if (lines.error.length > 0) throw new Error(`routeperf logged errors: ${lines.error.join('; ')}`);
    },
  };
}

/** What one request's work returned or threw, and what routeperf recorded for the request. */
export interface SettledRequest<T> {
  value?: T;
  error?: unknown;
  metrics: RequestMetrics;
}

/** What one request's work returned, and what routeperf recorded for the request. */
export interface RecordedRequest<T> {
  value: T;
  metrics: RequestMetrics;
}

/** A recorded server whose request `/run/<n>` runs the function given to `run` or `settle`. */
export async function startRecordedServer(options: HttpRouteperfOptions = {}) {
  const work = new Map<string, () => unknown>();
  const outcomes = new Map<string, { value?: unknown; error?: unknown }>();
  const served = await serveRecorded(async (path, res) => {
    try {
      outcomes.set(path, { value: await work.get(path)?.() });
    } catch (error) {
      outcomes.set(path, { error });
    }
    res.end('ok');
  }, options);
  let next = 0;
  /** Runs `fn` as the work of one request; resolves once its response has come back. */
  async function settle<T>(fn: () => T | Promise<T>): Promise<SettledRequest<T>> {
    const path = `/run/${next++}`;
    work.set(path, fn);
    await (await fetch(`${served.base}${path}`)).text();
    return { ...(outcomes.get(path) as { value?: T; error?: unknown }), metrics: served.metricsOf(path) };
  }
  return {
    listener: served.listener,
    settle,
    /** `settle`, throwing what the work threw. */
    async run<T>(fn: () => T | Promise<T>): Promise<RecordedRequest<T>> {
      const settled = await settle(fn);
      if ('error' in settled) throw settled.error;
      return { value: settled.value as T, metrics: settled.metrics };
    },
    close: served.close,
  };
}

export type RecordedServer = Awaited<ReturnType<typeof startRecordedServer>>;

/** One recorded server for the tests of a `describe` block (or file): `requests().run(fn)`. */
export function useRecordedServer(options: HttpRouteperfOptions = {}): () => RecordedServer {
  let server: RecordedServer | undefined;
  beforeAll(async () => {
    server = await startRecordedServer(options);
  });
  afterAll(() => server?.close());
  return () => server!;
}

/** What one request to a `RecordedApp` got, and what routeperf recorded for it. */
export interface RecordedResponse {
  status: number;
  body: unknown;
  metrics: RequestMetrics;
}

/** An app served over a real socket, with routeperf recording each of its requests. */
export interface RecordedApp {
  get(path: string): Promise<RecordedResponse>;
  readonly routeperf: Promise<Routeperf>;
  close(): Promise<void>;
}

/**
 * A recorded server that answers every request with `handle(path)`: its result as JSON or, if it throws,
 * a 500 with the message.
 */
export async function startRecordedApp(
  handle: (path: string) => Promise<unknown>,
  options: HttpRouteperfOptions = {},
): Promise<RecordedApp> {
  const served = await serveRecorded(async (path, res) => {
    try {
      const body = await handle(path);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body ?? null));
    } catch (error) {
      res.statusCode = 500;
      res.end(JSON.stringify(error instanceof Error ? error.message : String(error)));
    }
  }, options);
  return {
    routeperf: served.listener.ready,
    async get(path) {
      const response = await fetch(served.base + path);
      const body: unknown = await response.json();
      return { status: response.status, body, metrics: served.metricsOf(path) };
    },
    close: served.close,
  };
}

/** A promise the test resolves by calling `fire`: one side of a test waits for the other to get somewhere. */
export function signal() {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire: () => fire(), fired };
}

/**
 * Runs `query` again and again outside any request, each after the one before, until `stop()` (which
 * waits for the last one). Resolves once the first has run, so that the loop is going when the caller
 * starts its requests.
 */
export async function queriesOutsideRequests(
  query: () => Promise<unknown>,
): Promise<{ stop(): Promise<void> }> {
  await query();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) await query();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
