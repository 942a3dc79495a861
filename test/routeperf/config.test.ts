import { expect, it } from 'vitest';
import { appConfig } from '../../src/routeperf/config.js';
import { capturingLogger } from '../support/logger.js';

it('warns once per logger when the environment records nothing', async () => {
  const { logger, lines } = capturingLogger();
  const options = { database: 'sqlite::memory:', environment: 'staging', logger };
  await appConfig(options, {});
  await appConfig(options, {});
  expect(lines.warn).toEqual([expect.stringContaining('environment "staging" is not in environments')]);
});

it('logs through a logger that hides the passwords of every DSN of the configuration', async () => {
  const { logger, lines } = capturingLogger();
  const config = await appConfig(
    { database: 'postgres://app:s3cret@db/app', transport: 'redis://:hunter2@cache:6379', logger },
    { environment: 'test' },
  );
  config.logger.error('connect postgres://app:s3cret@db/app failed; redis said hunter2');
  expect(lines.error).toEqual([expect.not.stringMatching(/s3cret|hunter2/)]);
  expect(config.database).toBe('postgres://app:s3cret@db/app');
});
