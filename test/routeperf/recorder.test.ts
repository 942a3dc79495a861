import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import type { FinishedRequest } from '../../src/core/recorder.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { countingRecorder } from '../../src/routeperf/recorder.js';

async function recorderWith(options: RouteperfOptions) {
  const config = await resolveConfig({
    explicit: { database: 'sqlite::memory:', environment: 'test', ...options },
  });
  const sunk: RequestMetrics[] = [];
  const logged: [string, string, unknown][] = [];
  const counting = countingRecorder(
    config,
    (metrics) => {
      sunk.push(metrics);
      return undefined;
    },
    false,
    (kind, message, error) => logged.push([kind, message, error]),
  );
  /** One request through the recorder, as an adapter would run it. */
  const request = (route: () => string | undefined) => {
    const active = counting.recorder.begin(undefined)!;
    const done: FinishedRequest = {
      method: 'GET',
      route,
      statusCode: 200,
      url: '/',
      referer: undefined,
      request: {},
    };
    counting.recorder.finish(active, done);
  };
  return { counting, sunk, logged, request };
}

it('counts the requests it accepted and handed to the sink, not those it left out', async () => {
  const { counting, sunk, request } = await recorderWith({
    ignoreRoutes: ['/health'],
    beforeRecord: (metrics) => metrics.route !== '/skipped',
  });
  request(() => '/users/:id');
  request(() => '/health');
  request(() => '/skipped');
  request(() => '/orders');
  expect(sunk.map((metrics) => metrics.route)).toEqual(['/users/:id', '/orders']);
  expect(counting.stats()).toEqual({ recorded: 2 });
});

it("logs what an app's hook throws, saying what became of the request", async () => {
  const broken = new Error('no route');
  const { logged, sunk, request } = await recorderWith({});
  request(() => {
    throw broken;
  });
  expect(sunk.map((metrics) => metrics.route)).toEqual(['(unmatched)']);
  expect(logged).toEqual([
    ['routeOf', 'routeOf hook failed; the request is recorded under the route "(unmatched)"', broken],
  ]);
});
