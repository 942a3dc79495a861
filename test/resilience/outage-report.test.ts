import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { OutageReport } from '../../src/bus/worker/outage-report.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('logs the first failed attempt, then at most one line per 30 s, then the recovery', () => {
  const lines: string[] = [];
  const report = new OutageReport('the store postgres://db', (line) => lines.push(line));
  const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  for (let attempt = 0; attempt < 10; attempt++) {
    report.failed(down, 1000, ' (keeping 500 messages)');
    vi.advanceTimersByTime(1000);
  }
  expect(lines).toEqual([
    'the store postgres://db is unavailable, retrying in 1 s (keeping 500 messages): connect ECONNREFUSED 127.0.0.1:5432',
  ]);
  vi.advanceTimersByTime(20_000);
  report.failed(down, 2500);
  expect(lines[1]).toBe(
    'the store postgres://db is unavailable, 11 attempts in 30 s, retrying in 2.5 s: connect ECONNREFUSED 127.0.0.1:5432',
  );
  report.recovered();
  report.recovered();
  expect(lines.slice(2)).toEqual([
    'the store postgres://db is reachable again after 11 failed attempts; going on',
  ]);
  // A new outage is reported from its first attempt again.
  report.failed(down, 1000);
  expect(lines).toHaveLength(4);
  expect(report.attempts).toBe(1);
});
