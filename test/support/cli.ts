import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

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

let built: Promise<string> | undefined;

/**
 * Compiles src once per test file into a scratch package (its own package.json, node_modules linked to
 * the repository's), so the tests run the same JavaScript as `npm run build` without touching dist/ or
 * depending on a build. Running through tsx instead costs about a second per process in module hooks.
 */
function builtCli(): Promise<string> {
  built ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'routeperf-cli-build-'));
    folders.push(root);
    const main = join(root, 'dist/cli/main.js');
    const tsc = join(REPO, 'node_modules/.bin/tsc');
    const args = [
      '-p',
      join(REPO, 'tsconfig.json'),
      '--outDir',
      join(root, 'dist'),
      '--declaration',
      'false',
    ];
    // A type error anywhere still emits JavaScript; typechecking is its own step, not these tests'.
    await promisify(execFile)(tsc, args, { cwd: REPO }).catch((error) => {
      if (!existsSync(main)) throw error;
    });
    copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
    return main;
  })();
  return built;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ROUTEPERF_')),
  );
  return { ...env, NODE_ENV: 'test', ...extra };
}

/** Starts `routeperf <args>` as a child process. */
export async function spawnCli(args: string[], options: CliOptions): Promise<ChildProcess> {
  return spawn(process.execPath, [await builtCli(), ...args], {
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

/** A fresh working folder, optionally with a routeperf.config.json in it; removed after the file's tests. */
export function tempFolder(config?: unknown): string {
  const folder = mkdtempSync(join(tmpdir(), 'routeperf-cli-'));
  folders.push(folder);
  if (config !== undefined) writeFileSync(join(folder, 'routeperf.config.json'), JSON.stringify(config));
  return folder;
}
