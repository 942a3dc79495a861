import { setTimeout as sleep } from 'node:timers/promises';

export interface TrafficResult {
  requests: number;
  /** Responses per status code. */
  statuses: Record<number, number>;
  /** Requests that got no response at all (connection refused, reset). */
  failed: number;
}

/** Sends the paths of `round()`, shuffled, from `concurrency` clients until `durationMs` has passed. */
export async function driveTraffic(
  baseUrl: string,
  durationMs: number,
  { concurrency, round }: { concurrency: number; round: () => string[] },
): Promise<TrafficResult> {
  const result: TrafficResult = { requests: 0, statuses: {}, failed: 0 };
  const stopAt = Date.now() + durationMs;
  const client = async () => {
    let queue: string[] = [];
    while (Date.now() < stopAt) {
      if (queue.length === 0) queue = round();
      const path = queue.splice(Math.floor(Math.random() * queue.length), 1)[0]!;
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
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return result;
}
