import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { sqliteUrl } from '../support/sqlite.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

it('falls back to synchronous recording, with one warning naming the package, when ioredis is not installed', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/hide-packages.mjs', 'test/bus/fixtures/fallback-app.ts'],
    { cwd: root, env: { ...process.env, HIDE_PACKAGES: 'ioredis', DATABASE: sqliteUrl() } },
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(result.statuses).toEqual([200, 200, 200, 200, 200]);
  expect(result.mode).toEqual({ async: false, fallback: expect.stringContaining('"ioredis"') });
  expect(result.lines).toEqual([{ level: 'warn', message: result.mode.fallback }]);
  expect(result.mode.fallback).toContain('npm install ioredis');
  expect(result.stats).toMatchObject({ recorded: 5, stored: 5, dropped: 0, sent: 0 });
  expect(result.counts).toEqual([['/users/:id', 5]]);
});
