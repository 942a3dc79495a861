import { unrecordedEnvironment } from '../../config/environments.js';
import type { ResolvedConfig } from '../../config/types.js';
import { redactDsn } from '../../dsn.js';
import type { Diagnosis, Problem } from './types.js';

/** An environment left out of `environments`: apps run, and record nothing. */
export function checkEnvironmentRecorded(config: ResolvedConfig, problems: Problem[]): void {
  const unrecorded = unrecordedEnvironment(config);
  if (!unrecorded) return;
  problems.push({
    code: 'environment-not-recorded',
    message: `Apps record nothing here: ${unrecorded}`,
    fix: `set "environments" in the config file to include "${config.environment}", then run: npx routeperf diagnose`,
  });
}

/** The configuration as resolved, passwords redacted; `dsn` is where routeperf.record messages go. */
export function describeConfiguration(config: ResolvedConfig, dsn: string): Diagnosis['configuration'] {
  return {
    configFile: config.configFile ?? null,
    environment: config.environment,
    recording: recordingState(config),
    database: redactDsn(config.database),
    autoSetup: config.autoSetup,
    async: config.async,
    transport: redactDsn(dsn),
    failureTransport: redactDsn(config.failureTransport),
  };
}

function recordingState(config: ResolvedConfig): Diagnosis['configuration']['recording'] {
  if (!config.enabled) return { on: false, reason: 'enabled is false' };
  const unrecorded = unrecordedEnvironment(config);
  return unrecorded ? { on: false, reason: unrecorded } : { on: true };
}
