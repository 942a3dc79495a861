import { createServer } from 'node:http';
import { withRouteperf } from '../../src/adapters/http.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { closeServer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';

/** What one request ran: its handler's value or error, and what routeperf recorded for it. */
export interface RecordedRequest<T> {
  recorded: RequestMetrics;
  value?: T;
  error?: unknown;
}

/** A real HTTP server recorded by routeperf whose requests each run a function the test gives. */
export interface RequestRunner {
  /** Sends one request that runs `work` as its handler; resolves once routeperf has recorded it. */
  run<T>(work: () => Promise<T>): Promise<RecordedRequest<T>>;
  close(): Promise<void>;
}

/**
 * Starts a node:http server with routeperf in synchronous mode: the client has its response only once
 * the request's metrics went through `beforeRecord`, so `run` reads them as soon as the response arrives.
 */
export async function requestRunner(): Promise<RequestRunner> {
  const works = new Map<string, () => Promise<unknown>>();
  const outcomes = new Map<string, { value?: unknown; error?: unknown }>();
  const recorded = new Map<string, RequestMetrics>();
  const { logger, lines } = capturingLogger();
  const listener = withRouteperf(
    async (req, res) => {
      const path = req.url ?? '';
      try {
        outcomes.set(path, { value: await works.get(path)!() });
      } catch (error) {
        outcomes.set(path, { error });
      }
      res.end('done');
    },
    {
      database: 'sqlite::memory:',
      logger,
      accessRecords: { enabled: true },
      beforeRecord: (metrics) => {
        recorded.set(metrics.path ?? '', metrics);
      },
    },
  );
  const server = createServer(listener);
  const base = await listen(server);
  let sent = 0;
  return {
    async run<T>(work: () => Promise<T>) {
      const path = `/run?n=${sent++}`;
      works.set(path, work);
      const response = await fetch(`${base}${path}`);
      await response.text();
      if (lines.error.length > 0) throw new Error(`routeperf logged errors: ${lines.error.join('; ')}`);
      return { recorded: recorded.get(path)!, ...(outcomes.get(path) as { value?: T; error?: unknown }) };
    },
    async close() {
      await closeServer(server);
      await listener.close();
    },
  };
}

/**
 * Resolves once `release` is called: a request waits on it while the test runs queries outside any
 * request, to show that they do not count against the request in flight.
 */
export function gate(): { opened: Promise<void>; release(): void } {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { opened, release };
}
