import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

describe('routeperf with a configuration the store could not hold', () => {
  it.each([
    [
      'an environment longer than its column',
      { environment: 'e'.repeat(65) },
      'environment: expected an environment name of 1 to 64 characters',
    ],
    [
      'an environment with a NUL',
      { environment: 'prod\u0000' },
      'environment: expected an environment name of 1 to 64 characters, without control characters or lone surrogates, got "prod\\u0000"',
    ],
    [
      'a table prefix that makes index names too long',
      { tablePrefix: `t${'x'.repeat(39)}` },
      'tablePrefix: expected letters, digits and underscores, starting with a letter (32 at most',
    ],
  ])('%s: exits 2 naming the key', async (_, config, message) => {
    const result = await runCli(['routes'], { cwd: tempFolder(config) });
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(2);
  });
});
