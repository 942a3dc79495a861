import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Added to a clean environment: no ROUTEPERF_* variable of the developer's shell leaks in. */
  env?: Record<string, string>;
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ROUTEPERF_')),
  );
  return { ...env, NODE_ENV: 'test', ...extra };
}

/** Starts `routeperf <args>` as a child process. */
export async function spawnCli(args: string[], options: CliOptions): Promise<ChildProcess> {
  return spawn(process.execPath, [inject('cliMain'), ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `routeperf <args>` to the end. */
export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return collect(await spawnCli(args, options));
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * Runs `routeperf <args>` to the end on a terminal of its own (`script` gives it one), outside CI, as a
 * user at a shell runs it; its stdout is everything the terminal showed.
 */
export function runCliOnTerminal(args: string[], options: CliOptions): Promise<CliResult> {
  const command = [process.execPath, inject('cliMain'), ...args].join(' ');
  return collect(
    spawn('script', ['-qec', command, '/dev/null'], {
      cwd: options.cwd,
      env: cleanEnv({ CI: 'false', ...options.env }),
    }),
  );
}

/** A fresh working folder, optionally with a routeperf.config.json in it; removed after the file's tests. */
export function tempFolder(config?: unknown): string {
  const folder = mkdtempSync(join(tmpdir(), 'routeperf-cli-'));
  folders.push(folder);
  if (config !== undefined) writeFileSync(join(folder, 'routeperf.config.json'), JSON.stringify(config));
  return folder;
}

/** Waits until the child has printed a line matching `pattern` on stdout; fails with its output if it exits first. */
export function printed(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      const match = pattern.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve(match);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${output}`));
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
}
