import { describe, expect, it } from 'vitest';
import { Printer } from '../../../src/bus/worker/printer.js';
import { newProgress } from '../../../src/bus/worker/state.js';

function printerAt(verbosity: 0 | 1 | 2, stats = () => Promise.resolve({ pending: 1200, inFlight: 500 })) {
  const lines: string[] = [];
  const progress = newProgress();
  const clock = { now: 0 };
  const printer = new Printer({
    print: (line) => lines.push(line),
    verbosity,
    progress,
    stats,
    startedAt: 0,
    clock: () => clock.now,
  });
  return { printer, lines, progress, clock };
}

const tally = { handled: 500, failed: 2, duplicates: 20 };

describe('Printer', () => {
  it('prints one line per batch at -vv', () => {
    const { printer, lines } = printerAt(2);
    printer.batch(502, tally, 41.26);
    expect(lines).toEqual([
      'batch: received 502, stored 480 (20 duplicates) in 41.3 ms, failed 2, acknowledged 502',
    ]);
  });

  it('prints one line per 10 s interval from -v, with the rate over that interval', async () => {
    const { printer, lines, progress, clock } = printerAt(1);
    printer.batch(502, tally, 41.26);
    Object.assign(progress, { handled: 5000, batches: 10, failed: 3 });
    clock.now = 9999;
    await printer.intervalIfDue();
    clock.now = 10_000;
    await printer.intervalIfDue();
    Object.assign(progress, { handled: 35_000, batches: 70 });
    clock.now = 25_000;
    await printer.intervalIfDue();
    expect(lines).toEqual([
      '500 messages/s, 10 batches, lag 1200 messages, 3 failed',
      '2000 messages/s, 60 batches, lag 1200 messages, 3 failed',
    ]);
  });

  it('prints a lag it cannot learn as NaN', async () => {
    const { printer, lines, clock } = printerAt(1, () => Promise.reject(new Error('connection closed')));
    clock.now = 10_000;
    await printer.intervalIfDue();
    expect(lines).toEqual(['0 messages/s, 0 batches, lag NaN messages, 0 failed']);
  });

  it('prints nothing without -v', async () => {
    const { printer, lines, clock } = printerAt(0);
    printer.batch(502, tally, 41.26);
    clock.now = 60_000;
    await printer.intervalIfDue();
    expect(lines).toEqual([]);
  });
});
