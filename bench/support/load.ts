/**
 * Driving a benchmark server: reading the JSON lines it prints, and loading it with autocannon in a
 * process of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

/** The part of autocannon's `--json` result the benchmarks use. */
export interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** Reads the JSON lines a server prints; resolves each with the first line that has `key`. */
export function jsonLines(child: ChildProcess) {
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<string, (value: unknown) => void>();
  lines.on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    for (const [key, resolve] of waiting) if (key in message) resolve(message[key]);
  });
  return <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      waiting.set(key, resolve as (value: unknown) => void);
      child.once('close', (code) =>
        reject(new Error(`bench server exited with code ${code} before "${key}"`)),
      );
    });
}

export async function runAutocannon(url: string, connections: number, duration: number): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    [autocannonCli, '--json', '--no-progress', '-c', String(connections), '-d', String(duration), url],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`autocannon exited with code ${code}`);
  return JSON.parse(output) as LoadResult;
}
