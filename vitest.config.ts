import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Most files wait on databases, brokers and child processes rather than compute: more files at once
    // than there are cores keeps the cores busy.
    maxWorkers: 4,
    // Guards against a hang only: a test that starts several processes can take minutes on a loaded machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
