import { setTimeout as sleep } from 'node:timers/promises';

export interface TrafficResult {
  requests: number;
  /** Responses per status code. */
  statuses: Record<number, number>;
  /** Requests that got no response at all (connection refused, reset). */
  failed: number;
}

/**
 * Sends the paths of `round()`, shuffled, from `concurrency` clients until `durationMs` has passed. Each
 * client sends whole rounds, so that every kind of route is hit however slow the machine is.
 */
export async function driveTraffic(
  baseUrl: string,
  durationMs: number,
  { concurrency, round }: { concurrency: number; round: () => string[] },
): Promise<TrafficResult> {
  const result: TrafficResult = { requests: 0, statuses: {}, failed: 0 };
  const stopAt = Date.now() + durationMs;
  const send = async (path: string) => {
    result.requests += 1;
    try {
      const response = await fetch(baseUrl + path);
      await response.arrayBuffer();
      result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
    } catch {
      result.failed += 1;
      // The server is gone or overloaded: back off instead of spinning.
      await sleep(50);
    }
  };
  const client = async () => {
    do {
      for (const path of shuffled(round())) await send(path);
    } while (Date.now() < stopAt);
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return result;
}

/** Fisher–Yates, in place. */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
