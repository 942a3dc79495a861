import { isSyncDsn, missingClientPackage, recordTransportDsn } from '../bus/transports/index.js';
import type { ResolvedConfig } from '../config/types.js';
import { redactDsn } from '../dsn.js';

/** How this process records, once configuration and installed packages are taken into account. */
export interface RecordingMode {
  /** True when responses never wait for storage. */
  async: boolean;
  /** The transport used in async mode (password redacted). */
  transport?: string;
  /** Why async mode was asked for but is not in effect. */
  fallback?: string;
}

/**
 * Async mode when asked for and possible. A transport whose client library is not installed falls back to
 * synchronous recording with one warning that names the package to install, and no error.
 */
export async function recordingMode(config: ResolvedConfig): Promise<RecordingMode> {
  if (!config.async) return { async: false };
  const dsn = recordTransportDsn(config);
  if (isSyncDsn(dsn)) return { async: true, transport: 'sync://' };
  const missing = await missingClientPackage(dsn, config);
  if (missing === undefined) return { async: true, transport: redactDsn(dsn) };
  const fallback = `async: true needs the "${missing}" package for transport ${redactDsn(dsn)}, and it is not installed; recording synchronously instead. Run: npm install ${missing}`;
  try {
    config.logger.warn(fallback);
  } catch {
    // A broken logger must not stop the app from starting.
  }
  return { async: false, fallback };
}
