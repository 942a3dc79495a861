import { ALIVE_WITHIN_MS, HEARTBEAT_INTERVAL_MS } from '../../bus/worker/heartbeat.js';
import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { printable } from '../format.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';

export const stopWorkersCommand = defineCommand({
  name: 'stop-workers',
  summary: 'Ask every running worker to exit after its current batch (e.g. after a deploy)',
  details: [
    `Workers on any machine that uses this database see it at their next heartbeat (every ${HEARTBEAT_INTERVAL_MS / 1000} s),`,
    'store and acknowledge the batch in hand, and exit 0; a process manager (systemd, supervisord) then',
    'starts them again with the new code. Workers started after this command are not affected.',
  ].join('\n'),
  options: {},
  examples: ['routeperf stop-workers', 'routeperf stop-workers --database postgres://user:pass@db/app'],
  async run(values) {
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const workers = await internalsOf(routeperf).store.workers();
      const now = Date.now();
      await workers.requestStop(now);
      const running = (await workers.list(now - ALIVE_WITHIN_MS)).filter((worker) => !worker.stoppedAt);
      const who = running.map(
        (worker) => `  ${printable(worker.host)} pid ${worker.pid} (${printable(worker.transport)})`,
      );
      process.stdout.write(
        `${[
          running.length
            ? `Asked ${plural(running.length, 'running worker')} to exit after the current batch; they see it within ${HEARTBEAT_INTERVAL_MS / 1000} s:`
            : `No worker has sent a heartbeat to ${databaseOf(routeperf)} in the last ${ALIVE_WITHIN_MS / 1000} s; any worker running now will exit after its current batch.`,
          ...who,
        ].join('\n')}\n`,
      );
    });
  },
});
