/**
 * Runs a documented program the way a user would, with `node`: either it ends on its own (exit 0), or it
 * starts a server, which then gets one request and must answer it before it is stopped with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const listenHook = fileURLToPath(new URL('./listen-hook.mjs', import.meta.url));
const REQUEST_PATH = '/users/42';

export interface ProgramRun {
  /** The answer to `GET /users/42` when the program started a server. */
  response?: { status: number; body: string };
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runProgram(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ProgramRun> {
  const child = spawn(process.execPath, ['--import', listenHook, file], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let response: ProgramRun['response'];
  child.on('message', async (message: { listening?: { address: string; port: number } }) => {
    if (!message.listening) return;
    try {
      response = await get(urlOf(message.listening));
    } catch (error) {
      stderr += `\n[docs test] GET ${REQUEST_PATH} failed: ${String(error)}`;
    }
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) =>
      resolve({ exitCode, signal, stdout, stderr, ...(response && { response }) }),
    );
  });
}

function urlOf({ address, port }: { address: string; port: number }): string {
  if (address === '::' || address === '0.0.0.0') return `http://127.0.0.1:${port}${REQUEST_PATH}`;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}${REQUEST_PATH}`;
}

async function get(url: string) {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  return { status: response.status, body: await response.text() };
}
