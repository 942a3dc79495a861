import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { RouteperfOptions } from '../../src/config/types.js';
import { recordingMode } from '../../src/routeperf/recording-mode.js';
import { capturingLogger } from '../support/logger.js';

async function modeOf(options: RouteperfOptions) {
  const { logger, lines } = capturingLogger();
  const config = await resolveConfig({ explicit: { database: 'sqlite::memory:', ...options, logger } });
  return { mode: await recordingMode(config), lines };
}

it('is synchronous unless async is asked for', async () => {
  expect((await modeOf({ transport: 'memory://' })).mode).toEqual({ async: false });
});

it('handles sync:// in this process, without a transport', async () => {
  expect((await modeOf({ async: true, transport: 'sync://' })).mode).toEqual({
    async: true,
    transport: 'sync://',
  });
});

it('names the transport in effect with its password redacted, and warns of nothing', async () => {
  const { mode, lines } = await modeOf({ async: true, transport: 'redis://:hunter2@127.0.0.1:6379/metrics' });
  expect(mode).toEqual({ async: true, transport: 'redis://:***@127.0.0.1:6379/metrics' });
  expect(JSON.stringify(mode)).not.toContain('hunter2');
  expect(lines).toEqual({ info: [], warn: [], error: [] });
});

it('follows routing to a named transport', async () => {
  const { mode } = await modeOf({
    async: true,
    transports: { metrics: 'memory://?batchSize=5' },
    routing: { 'routeperf.record': 'metrics' },
  });
  expect(mode).toEqual({ async: true, transport: 'memory://?batchSize=5' });
});
