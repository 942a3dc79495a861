import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ExitSignals } from '../../src/routeperf/exit-signals.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the fixture app, sends it SIGTERM once it is ready, and returns how it ended and what it printed. */
async function terminate(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/routeperf/fixtures/exit-signals-app.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    if (!stdout.includes('ready') && `${stdout}${chunk}`.includes('ready')) child.kill('SIGTERM');
    stdout += chunk;
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, lines: stdout.trim().split('\n') };
}

it('closes first on SIGTERM, then ends the process by the same signal when the app has no handler', async () => {
  expect(await terminate()).toEqual({ code: null, signal: 'SIGTERM', lines: ['ready', 'closed'] });
});

it("closes first, and leaves the ending to the app's own handler when it has one", async () => {
  expect(await terminate({ APP_HANDLER: '1' })).toEqual({
    code: 0,
    signal: null,
    lines: ['ready', 'app handler', 'closed'],
  });
});

it('stops listening when closed', () => {
  const before = ['SIGTERM', 'SIGINT'].map((signal) => process.listenerCount(signal));
  const signals = new ExitSignals();
  signals.closeOn(async () => {});
  expect(['SIGTERM', 'SIGINT'].map((signal) => process.listenerCount(signal))).toEqual(
    before.map((count) => count + 1),
  );
  signals.close();
  expect(['SIGTERM', 'SIGINT'].map((signal) => process.listenerCount(signal))).toEqual(before);
});
