/**
 * The worker of a documented supervisord program or systemd unit, started as its process manager would:
 * its command line in its own process group, stopped with a signal to the group (`stopasgroup=true`,
 * systemd's `KillMode=control-group`) or to the first process only (what supervisord does without it).
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface WorkerUnit {
  /** The command line, split on spaces as the process manager does. */
  command: string[];
  /** `directory=` / `WorkingDirectory=`. */
  directory: string;
  /** `environment=` / `Environment=`. */
  environment: Record<string, string>;
  /** Whether the stop signal goes to the whole process group: `stopasgroup=true`, or systemd's default `KillMode`. */
  stopsGroup: boolean;
}

/** Reads a supervisord `[program:…]` or a systemd `[Service]` section. */
export function parseWorkerUnit(code: string): WorkerUnit {
  const settings = new Map<string, string>();
  for (const line of code.split('\n')) {
    const setting = /^(\w+)=(.*)$/.exec(line.trim());
    if (setting) settings.set(setting[1]!, setting[2]!);
  }
  const command = settings.get('command') ?? settings.get('ExecStart');
  const directory = settings.get('directory') ?? settings.get('WorkingDirectory');
  if (!command || !directory) throw new Error(`no command and working directory in:\n${code}`);
  const environment = settings.get('environment') ?? settings.get('Environment') ?? '';
  const stopsGroup = settings.has('ExecStart')
    ? (settings.get('KillMode') ?? 'control-group') === 'control-group'
    : settings.get('stopasgroup') === 'true';
  return {
    stopsGroup,
    command: command.split(/\s+/),
    directory,
    environment: Object.fromEntries(
      [...environment.matchAll(/(\w+)="?([^",\s]*)"?/g)].map(([, key, value]) => [key!, value!]),
    ),
  };
}

export interface ManagedProcess {
  child: ChildProcess;
  /** stdout and stderr so far, from the process and anything it started. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to the group, or to the first process only. */
  signal(signal: NodeJS.Signals, toGroup: boolean): void;
  /** Whether any process of its group is still there. */
  groupAlive(): boolean;
  /** SIGKILL to the whole group: clean-up after a test, whatever happened. */
  killGroup(): void;
}

/** Starts `command` as the leader of a new process group, as supervisord and systemd do. */
export function startInGroup(command: string[], cwd: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const group = child.pid!;
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
  }
  return {
    child,
    output: () => output,
    // 'exit', not 'close': an orphan left behind holds the output pipes open.
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    signal(signal, toGroup) {
      process.kill(toGroup ? -group : group, signal);
    },
    groupAlive() {
      try {
        process.kill(-group, 0);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
        throw error;
      }
    },
    killGroup() {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}
