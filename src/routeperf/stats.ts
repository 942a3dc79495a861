export interface RouteperfStats {
  /** Requests accepted for recording (after environment, sampling, ignore rules and hooks). */
  recorded: number;
  /** Requests whose metrics this process wrote to the database (directly, or through an in-process worker). */
  stored: number;
  /** Requests whose metrics could not be stored or were dropped by the 'drop' overflow (each logged). */
  dropped: number;
  /** Messages handed to a durable transport, for a worker to store. */
  sent: number;
  /** Messages waiting in this process to be sent or stored. */
  queued: number;
}

/** What one part of routeperf counts of the requests that pass through it; it leaves out what it never sees. */
export type StatsPart = Partial<RouteperfStats>;

/** A part of routeperf that counts. */
export interface Counting {
  stats(): StatsPart;
}

const STAT_KEYS = ['recorded', 'stored', 'dropped', 'sent', 'queued'] as const;

/**
 * routeperf's stats: the sum of its parts' numbers. Each request is counted by the one part it is in at
 * the time, so the parts add up without knowing of each other.
 */
export function sumStats(parts: readonly Counting[]): RouteperfStats {
  const total: RouteperfStats = { recorded: 0, stored: 0, dropped: 0, sent: 0, queued: 0 };
  for (const part of parts) {
    const counts = part.stats();
    for (const key of STAT_KEYS) total[key] += counts[key] ?? 0;
  }
  return total;
}
