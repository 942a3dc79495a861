import { createServer } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { type HttpRouteperfOptions, withRouteperf } from '../../src/adapters/http.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { closeServer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';

/** What one request ran, what it answered, and what routeperf recorded for it. */
export interface RecordedRequest<T> {
  value: T;
  metrics: RequestMetrics;
}

/**
 * A real HTTP server recorded by routeperf (`options`, SQLite in memory by default) that runs, as request
 * `/run/<n>`, the function given to `run`. Metrics are kept by path (`beforeRecord`), so each request's
 * own are found whatever else runs beside it.
 */
export async function startRecordedServer(options: HttpRouteperfOptions = {}) {
  const recorded = new Map<string, RequestMetrics>();
  const work = new Map<string, () => unknown>();
  const outcomes = new Map<string, { value?: unknown; error?: unknown }>();
  const { logger, lines } = capturingLogger();
  const listener = withRouteperf(
    async (req, res) => {
      const path = req.url ?? '/';
      try {
        outcomes.set(path, { value: await work.get(path)?.() });
      } catch (error) {
        outcomes.set(path, { error });
      }
      res.end('ok');
    },
    {
      database: 'sqlite::memory:',
      environment: 'test',
      logger,
      accessRecords: { enabled: true },
      beforeRecord: (metrics) => {
        recorded.set(metrics.path ?? '', metrics);
      },
      ...options,
    },
  );
  const server = createServer(listener);
  const base = await listen(server);
  let next = 0;
  return {
    listener,
    /** Runs `fn` as the work of one request; resolves once its response has come back. */
    async run<T>(fn: () => T | Promise<T>): Promise<RecordedRequest<T>> {
      const path = `/run/${next++}`;
      work.set(path, fn);
      const response = await fetch(`${base}${path}`);
      await response.text();
      const outcome = outcomes.get(path)!;
      if ('error' in outcome) throw outcome.error;
      return { value: outcome.value as T, metrics: recorded.get(path)! };
    },
    async close() {
      await closeServer(server);
      await listener.close();
      if (lines.error.length > 0) throw new Error(`routeperf logged errors: ${lines.error.join('; ')}`);
    },
  };
}

export type RecordedServer = Awaited<ReturnType<typeof startRecordedServer>>;

/** One recorded server for the tests of a `describe` block: `requests().run(fn)`. */
export function useRecordedServer(options: HttpRouteperfOptions = {}): () => RecordedServer {
  let server: RecordedServer | undefined;
  beforeAll(async () => {
    server = await startRecordedServer(options);
  });
  afterAll(() => server?.close());
  return () => server!;
}

/** A promise the test resolves by calling `fire`: one side of a test waits for the other to get somewhere. */
export function signal() {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire: () => fire(), fired };
}
