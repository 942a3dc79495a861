import { isInProcess } from '../../bus/transports/index.js';
import { startWorker } from '../../bus/worker/index.js';
import { formatCount, plural } from '../../routeperf/count-text.js';
import { internalsOf, type RouteperfInternals } from '../../routeperf/internals.js';
import { openConfiguredTransport } from '../../routeperf/transports.js';
import type { Routeperf } from '../../routeperf.js';
import type { FailureLog } from '../../store/failures.js';
import { defineCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit.js';
import { ALL_OPTION, allIds, IDS_ARGUMENT, idsOrAll, knownMessages } from '../failed-messages.js';
import { cliLayer, withRouteperf } from '../open.js';
import { onTransport, requireClientPackage, transportDsn } from '../transports.js';

/** Messages sent back per send() and then removed from the failure store. */
const CHUNK = 500;

export const failedRetryCommand = defineCommand({
  name: 'failed retry',
  summary: 'Send failed messages back to the transport for a worker to store them',
  details: [
    'Each message goes back to the transport routeperf.record messages go to and leaves the failure store;',
    'one that fails again comes back with a new id. When that transport is in-process (sync://, memory://),',
    'the messages are stored here and now instead. All ids must exist, or nothing is done (exit 1).',
  ].join('\n'),
  options: { all: ALL_OPTION },
  positionals: [IDS_ARGUMENT],
  examples: ['routeperf failed retry 12 13', 'routeperf failed retry --all'],
  async run(values, given) {
    const selection = idsOrAll(given, values.all);
    return withRouteperf(cliLayer(values), async (routeperf) => {
      const failures = await internalsOf(routeperf).failures();
      let ids: number[];
      if (selection === 'all') ids = await allIds(failures);
      else if (await knownMessages(failures, selection, 'failed retry')) ids = selection;
      else return EXIT_FAILURE;
      if (ids.length === 0) {
        process.stdout.write('No failed messages to retry.\n');
        return undefined;
      }
      const dsn = transportDsn(routeperf.config);
      if (isInProcess(dsn)) await storeHere(internalsOf(routeperf), failures, ids);
      else await sendBack(routeperf, failures, ids, dsn);
      return undefined;
    });
  },
});

/** Sends each chunk, then removes it: a crash in between sends it twice, and ingestion counts it once. */
async function sendBack(routeperf: Routeperf, failures: FailureLog, ids: readonly number[], dsn: string) {
  await requireClientPackage(dsn, routeperf.config);
  const transport = await onTransport(dsn, 'open', () => openConfiguredTransport(dsn, routeperf.config));
  try {
    await onTransport(dsn, 'set up', () => transport.setup(), transport);
    for (let start = 0; start < ids.length; start += CHUNK) {
      const messages = await failures.get(ids.slice(start, start + CHUNK));
      await onTransport(
        dsn,
        'send to',
        () => transport.send(messages.map((message) => message.body)),
        transport,
      );
      await failures.remove(messages.map((message) => message.id));
    }
  } finally {
    await transport.close().catch(() => {});
  }
  process.stdout.write(
    `Sent ${plural(ids.length, 'failed message')} back to ${transport.description} and removed ${ids.length === 1 ? 'it' : 'them'} from the failure store; a worker (routeperf consume) stores them.\n`,
  );
}

/** With an in-process transport no worker elsewhere would see them: a worker here stores them now. */
async function storeHere(routeperf: RouteperfInternals, failures: FailureLog, ids: readonly number[]) {
  const transport = await openConfiguredTransport('memory://', routeperf.config);
  const worker = startWorker({
    transport,
    sink: routeperf.store,
    limit: ids.length,
    sleep: 10,
    retry: routeperf.config.retry,
    logger: routeperf.config.logger,
  });
  for (let start = 0; start < ids.length; start += CHUNK) {
    const messages = await failures.get(ids.slice(start, start + CHUNK));
    await transport.send(messages.map((message) => message.body));
  }
  const summary = await worker.done.finally(() => transport.close());
  await failures.remove(ids);
  const again = summary.failed
    ? `; ${formatCount(summary.failed)} failed again (see routeperf failed list)`
    : '';
  process.stdout.write(
    `Stored ${formatCount(summary.handled)} of ${plural(ids.length, 'failed message')} here${again}.\n`,
  );
}
