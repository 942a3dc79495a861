import type { WorkerStatus } from '../../store/workers.js';
import type { RecordingMode } from '../recording-mode.js';
import type { RouteperfStats } from '../stats.js';

/** Something that stops routeperf from working as configured, and the command that fixes it. */
export interface Problem {
  code:
    | 'routeperf-start'
    | 'environment-not-recorded'
    | 'client-package-missing'
    | 'database-unreachable'
    | 'schema-incomplete'
    | 'transport-unreachable'
    | 'no-worker-alive'
    | 'failed-messages';
  message: string;
  /** Ends with the command to run: `run: npx routeperf consume`. */
  fix: string;
}

export interface Diagnosis {
  ok: boolean;
  checkedAt: string;
  configuration: {
    configFile: string | null;
    environment: string;
    /** Whether requests of this environment are recorded, and why not. */
    recording: { on: boolean; reason?: string };
    database: string;
    autoSetup: boolean;
    async: boolean;
    /** Where routeperf.record messages go (routed, else `transport`), password redacted. */
    transport: string;
    failureTransport: string;
  };
  /**
   * How an app with this configuration records, once installed packages are taken into account; null when
   * an app with it cannot start routeperf (the first problem says why).
   */
  mode: (RecordingMode & { summary: string }) | null;
  database: { reachable: boolean; tables: 'complete' | 'missing or out of date' | 'unknown'; error?: string };
  /** Checked only when a separate worker is needed (async mode on a durable transport). */
  transport: { dsn: string; reachable: boolean; pending?: number; inFlight?: number; error?: string } | null;
  /** Null when the database could not be read. */
  failedMessages: number | null;
  workers: {
    /** A worker is alive when its last heartbeat is more recent than this. */
    aliveWithinSeconds: number;
    alive: WorkerStatus[];
    /** The most recent worker seen in the last week, when none is alive. */
    lastSeen: WorkerStatus | null;
  } | null;
  /** routeperf's counters in this process, and whose they are (the diagnose process's, or the app's). */
  thisProcess: RouteperfStats & { note: string };
  problems: Problem[];
}

/** How the process that diagnoses records: what the checks cannot learn from the configuration alone. */
export interface Recording {
  /** How an app with this configuration records; null when it cannot start routeperf (a problem says why). */
  mode: RecordingMode | null;
  thisProcess: Diagnosis['thisProcess'];
  /**
   * True when a worker running in this process is the diagnosis's own (the CLI opens a routeperf to learn
   * the mode, which on memory:// runs one): it is not news, and is left out of the workers.
   */
  ownWorkerInThisProcess: boolean;
}
