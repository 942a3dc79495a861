// Loaded with --import into the routeperf worker that `bench/peers.ts` starts for the async-redis variant
// (`node --import ./bench/peers-worker-cpu.mjs dist/cli/main.js consume …`), so the worker is the
// package's own CLI, unchanged: on each SIGUSR2 it writes `{"cpuMicros": …}`, the CPU time the process
// has used so far, as a line to file descriptor 3, a pipe the bench opened for it. Two readings, after
// start-up and after the worker drained the stream, give the CPU the work of the run took.
import { writeSync } from 'node:fs';

process.on('SIGUSR2', () => {
  const { user, system } = process.cpuUsage();
  writeSync(3, `${JSON.stringify({ cpuMicros: user + system })}\n`);
});
