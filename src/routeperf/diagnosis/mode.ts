import { isInProcess, missingClientPackage } from '../../bus/transports/index.js';
import type { ResolvedConfig } from '../../config/types.js';
import type { RecordingMode } from '../recording-mode.js';
import type { Problem } from './types.js';

/** Async mode that fell back to synchronous: the transport's client package is missing, named when it can be. */
export async function checkClientPackage(
  mode: RecordingMode | null,
  dsn: string,
  config: ResolvedConfig,
  problems: Problem[],
): Promise<void> {
  if (!mode?.fallback) return;
  const missing = await missingClientPackage(dsn, config);
  problems.push({
    code: 'client-package-missing',
    message: `Async is on, but ${missing ? `"${missing}"` : 'the client package of the transport'} is not installed: apps record synchronously instead`,
    fix: `run: npm install ${missing ?? '<package>'}`,
  });
}

export function describeMode(mode: RecordingMode, dsn: string): string {
  if (mode.fallback)
    return 'synchronous (fallback from async): each response waits for its metrics to be stored';
  if (!mode.async) return 'synchronous (async: false): each response waits for its metrics to be stored';
  if (mode.transport === 'sync://')
    return 'asynchronous, in the app process: stored right after each response (sync://)';
  if (isInProcess(dsn))
    return `asynchronous, in the app process: batched in memory and stored by a worker inside the app (${mode.transport})`;
  return `asynchronous: messages go to ${mode.transport}, and routeperf consume workers store them`;
}
