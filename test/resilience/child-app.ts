import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/resilience/fixtures/app.ts';

/** The fixture app running in a process of its own, so that a crash shows as an exit. */
export interface ChildApp {
  readonly address: string;
  /** The exit code or signal once the process has ended; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stderr(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts test/resilience/fixtures/app.ts; with `database`, it records into it. */
export async function startApp(env: { DATABASE?: string; TABLE_PREFIX?: string } = {}): Promise<ChildApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      exit = { code, signal };
      resolve();
    }),
  );
  const address = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n')) resolve((JSON.parse(line!) as { address: string }).address);
    });
    void exited.then(() => reject(new Error(`the app exited before listening:\n${stderr}`)));
  });
  return {
    address,
    exit: () => exit,
    stderr: () => stderr,
    async stop() {
      if (!exit) child.kill('SIGTERM');
      await exited;
    },
  };
}
