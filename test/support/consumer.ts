import type { ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import { spawnCli, tempFolder } from './cli.js';

export interface ConsumerOptions {
  /** Working folder, with its routeperf.config.json; a fresh empty one by default. */
  cwd?: string;
  /** Added to a clean environment (see spawnCli). */
  env?: Record<string, string>;
  /** Arguments after `routeperf consume`. */
  args?: string[];
}

export interface ConsumerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Consumer {
  child: ChildProcess;
  /** Complete lines printed on stdout so far, in order. */
  lines: string[];
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** The first stdout line matching `pattern`, printed already or to come; fails when the worker exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (SIGTERM by default; SIGKILL for a crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ConsumerExit>;
  exited: Promise<ConsumerExit>;
}

const running = new Set<ChildProcess>();
// A test that failed half-way must not leave a worker consuming behind it.
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `routeperf consume <args>` as a real child process (the compiled CLI of test/support/cli.ts),
 * for end-to-end tests of workers: wait for its lines, stop it with a signal, or kill -9 it mid-batch.
 */
export async function startConsumer(options: ConsumerOptions = {}): Promise<Consumer> {
  const child = await spawnCli(['consume', ...(options.args ?? [])], {
    cwd: options.cwd ?? tempFolder(),
    env: options.env,
  });
  running.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  let hasExited = false;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const waiter of waiters) waiter();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ConsumerExit>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      hasExited = true;
      if (partial) lines.push(partial);
      partial = '';
      resolve({ code, signal });
      for (const waiter of waiters) waiter();
    });
  });

  const output = () => `stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`;

  const waitForLine = (pattern: RegExp, timeoutMs = 180_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.find((candidate) => pattern.test(candidate));
        if (line !== undefined) finish(() => resolve(line));
        else if (hasExited)
          finish(() => reject(new Error(`consume exited before printing ${pattern}\n${output()}`)));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(`consume printed no line matching ${pattern} within ${timeoutMs} ms\n${output()}`),
            ),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLine,
    stop(signal = 'SIGTERM') {
      if (!hasExited) child.kill(signal);
      return exited;
    },
    exited,
  };
}
