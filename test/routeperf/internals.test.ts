import { expect, it } from 'vitest';
import { Recorder } from '../../src/core/recorder.js';
import { internalsOf, isRouteperf } from '../../src/routeperf/internals.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { Store } from '../../src/store/store.js';
import { sqliteUrl } from '../support/sqlite.js';

it('gives adapters and the CLI the parts of a handle createRouteperf returned', async () => {
  const routeperf = await createRouteperf({ database: sqliteUrl(), environment: 'test' });
  try {
    expect(isRouteperf(routeperf)).toBe(true);
    const internals = internalsOf(routeperf);
    expect(internals.recorder).toBeInstanceOf(Recorder);
    expect(internals.store).toBeInstanceOf(Store);
    expect(internals.config).toBe(routeperf.config);
  } finally {
    await routeperf.close();
  }
});

it('tells options, even options that look like a handle, from a handle', () => {
  const lookalike = { store: {}, recorder: {}, stats: () => ({}), close: async () => {} };
  expect(isRouteperf({ database: 'sqlite::memory:' })).toBe(false);
  expect(isRouteperf(lookalike)).toBe(false);
  expect(isRouteperf(null)).toBe(false);
  expect(() => internalsOf(lookalike as unknown as Routeperf)).toThrow(
    'expected a routeperf returned by createRouteperf()',
  );
});
