import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../../src/bus/worker/heartbeat.js';
import { OutageReport } from '../../../src/bus/worker/outage-report.js';
import { newProgress, StopState } from '../../../src/bus/worker/state.js';
import { capturingLogger } from '../../support/logger.js';
import { bug, FakeSink, outage } from './fakes.js';

const identity = { id: 'w1', host: 'box', pid: 42, transport: 'fake://queue', startedAt: 1000 };

function heartbeatAt(start: number) {
  const sink = new FakeSink();
  const progress = newProgress();
  const stop = new StopState();
  const { logger, lines } = capturingLogger();
  const sinkOutage = new OutageReport('the store sqlite:fake.db', (line) => lines.error.push(line));
  const clock = { now: start };
  const heartbeat = new Heartbeat({
    sink,
    identity,
    progress,
    stop,
    interval: 5000,
    sinkOutage,
    logger,
    clock: () => clock.now,
  });
  return { heartbeat, sink, progress, stop, lines, clock };
}

describe('Heartbeat', () => {
  it('beats at once, then once per interval, with the counts of the moment', async () => {
    const { heartbeat, sink, progress, clock } = heartbeatAt(1000);
    await heartbeat.beatIfDue();
    Object.assign(progress, { handled: 500, failed: 1, lastBatchAt: 5000 });
    clock.now = 5999;
    await heartbeat.beatIfDue();
    clock.now = 6000;
    await heartbeat.beatIfDue();
    expect(sink.maintained).toBe(2);
    expect(sink.presence.beats).toEqual([
      { ...identity, lastBatchAt: null, handled: 0, failed: 0 },
      { ...identity, lastBatchAt: 5000, handled: 500, failed: 1 },
    ]);
  });

  it('stops the worker on a stop-workers signal given since it started, not before', async () => {
    const before = heartbeatAt(1000);
    before.sink.presence.stopRequested = 999;
    await before.heartbeat.beatIfDue();
    const since = heartbeatAt(1000);
    since.sink.presence.stopRequested = 1000;
    await since.heartbeat.beatIfDue();
    expect([before.stop.reason, since.stop.reason]).toEqual([undefined, 'stop-workers']);
  });

  it('reports an outage of the sink and its end, and goes on', async () => {
    const { heartbeat, sink, lines, clock } = heartbeatAt(0);
    sink.presence.onBeat = () => {
      throw outage();
    };
    await heartbeat.beatIfDue();
    sink.presence.onBeat = () => {};
    clock.now = 5000;
    await heartbeat.beatIfDue();
    expect(lines.error).toEqual([
      'the store sqlite:fake.db is unavailable, retrying in 5 s: connect ECONNREFUSED 127.0.0.1:5432',
      'the store sqlite:fake.db is reachable again after 1 failed attempt; going on',
    ]);
  });

  it('throws another error met before any beat went through, and only warns of it after', async () => {
    const { heartbeat, sink, lines } = heartbeatAt(0);
    sink.presence.onBeat = () => {
      throw bug('relation "workers" has no column "pid"');
    };
    await expect(heartbeat.beatIfDue()).rejects.toThrow('has no column');

    const later = heartbeatAt(0);
    await later.heartbeat.beatIfDue();
    later.sink.presence.onBeat = sink.presence.onBeat;
    later.clock.now = 5000;
    await later.heartbeat.beatIfDue();
    expect(later.lines.warn).toEqual([
      'routeperf worker: heartbeat failed: relation "workers" has no column "pid"',
    ]);
    expect(lines.error).toEqual([]);
  });

  it('signs off with its id, and leaves a sink that cannot be told be', async () => {
    const { heartbeat, sink } = heartbeatAt(0);
    await heartbeat.signOff();
    expect(sink.presence.stoppedIds).toEqual(['w1']);
    sink.workers = () => Promise.reject(outage());
    await expect(heartbeat.signOff()).resolves.toBeUndefined();
  });
});
