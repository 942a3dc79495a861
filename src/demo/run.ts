import type { Routeperf } from '../routeperf.js';
import type { RouteSummary } from '../store/reads.js';
import { buildDemoApp, demoRequestRound } from './app.js';
import { type Listening, listenWithFallback } from './listen.js';
import { driveTraffic, type TrafficResult } from './traffic.js';

const CONCURRENCY = 8;
const MINUTE_MS = 60_000;

export interface DemoOptions {
  port: number;
  durationMs: number;
  /** Keep serving after the report until this settles (the CLI: until SIGINT or SIGTERM). */
  serveUntil?: () => Promise<void>;
  /** What the caller shows at each step; the demo itself prints nothing. */
  on: {
    listening(listening: Listening): void;
    driving(concurrency: number): void;
    sent(result: TrafficResult): void;
    report(routes: RouteSummary[], since: Date): void;
    serving(url: string): void;
    stopped(): void;
  };
}

/** Starts the demo app, sends it traffic, reports what routeperf stored, then serves until stopped. */
export async function runDemo(routeperf: Routeperf, options: DemoOptions): Promise<void> {
  const { on } = options;
  const app = await buildDemoApp(routeperf);
  try {
    const listening = await listenWithFallback(app, options.port);
    on.listening(listening);
    // Reports from the minute this run started (the store's windows start on whole minutes), so that
    // earlier runs kept in the same database do not blur the picture.
    const since = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
    on.driving(CONCURRENCY);
    on.sent(
      await driveTraffic(listening.url, options.durationMs, {
        concurrency: CONCURRENCY,
        round: demoRequestRound,
      }),
    );
    on.report(await routeperf.routes({ since }), since);
    if (options.serveUntil) {
      on.serving(listening.url);
      await options.serveUntil();
      on.stopped();
    }
  } finally {
    await app.close();
  }
}
