import type { RecordResult, ResolvedConfig } from '../config/types.js';
import type { ErrorLog } from '../logger.js';

/** Calls the app's `afterRecord`; what it throws or rejects with is logged, never passed on. */
export function afterRecordHook(config: ResolvedConfig, logError: ErrorLog): (result: RecordResult) => void {
  return (result) => {
    if (!config.afterRecord) return;
    try {
      Promise.resolve(config.afterRecord(result)).catch((error) =>
        logError('afterRecord', 'afterRecord hook failed', error),
      );
    } catch (error) {
      logError('afterRecord', 'afterRecord hook failed', error);
    }
  };
}
