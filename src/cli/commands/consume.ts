import { isInProcess } from '../../bus/transports/index.js';
import type { ResolvedConfig } from '../../config/types.js';
import { redactDsn } from '../../dsn.js';
import { defineCommand } from '../command.js';
import { consumeTransports } from '../consume-run.js';
import { cliLayer, withRouteperf } from '../open.js';
import { requireClientPackage, transportDsn } from '../transports.js';
import { usageError } from '../usage-error.js';
import { byteSize, positiveSeconds, wholeNumber } from '../values.js';

export const consumeCommand = defineCommand({
  name: 'consume',
  summary: 'Run a worker: store the messages waiting on a transport, in batches, until stopped',
  details: [
    'Without a transport, consumes the one routeperf.record messages go to ("routing", else "transport").',
    'With several, runs one worker per transport in this process; --limit and --failure-limit count per',
    'worker. SIGTERM or Ctrl-C (or "routeperf stop-workers" from anywhere) stops receiving; the batch in',
    'hand is stored and acknowledged first, then the command exits 0 and says why it stopped.',
  ].join('\n'),
  options: {
    verbose: {
      type: 'boolean',
      short: 'v',
      multiple: true,
      description:
        '-v: a line every 10 s (messages/s, batches, lag), and the stack of an unexpected error; -vv: a line per batch',
    },
    limit: { type: 'string', value: '<n>', description: 'Stop after handling n messages' },
    'time-limit': { type: 'string', value: '<seconds>', description: 'Stop after this many seconds' },
    'memory-limit': {
      type: 'string',
      value: '<size>',
      description: 'Stop once the process uses more memory than this: 128M, 512M, 1G',
    },
    'failure-limit': {
      type: 'string',
      value: '<n>',
      description: 'Stop after n messages went to the failure store',
    },
    sleep: {
      type: 'string',
      value: '<ms>',
      description: 'Longest wait for messages when the transport is empty (default 1000)',
    },
    'batch-size': { type: 'string', value: '<n>', description: 'Messages stored per batch (default 500)' },
  },
  positionals: [
    {
      name: 'transport',
      variadic: true,
      description: 'A name from "transports" or a DSN (database://default, redis://…, amqp://…)',
    },
  ],
  examples: [
    'routeperf consume',
    'routeperf consume -vv --limit 10000 --time-limit 3600 --memory-limit 256M',
    'routeperf consume redis://127.0.0.1:6379/routeperf',
    'routeperf consume metrics audit --batch-size 1000',
  ],
  exitCodes:
    'Exit codes: 0 stopped by a limit, a signal or stop-workers; 1 a worker failed; 2 wrong arguments or\nconfiguration. A database or transport that is down, at start or later, is waited for.',
  async run(values, names) {
    const options = {
      limit: wholeNumber('limit', values.limit),
      timeLimit: secondsToMs(positiveSeconds('time-limit', values['time-limit'])),
      memoryLimit: byteSize('memory-limit', values['memory-limit']),
      failureLimit: wholeNumber('failure-limit', values['failure-limit']),
      sleep: wholeNumber('sleep', values.sleep) ?? 1000,
      batchSize: wholeNumber('batch-size', values['batch-size']) ?? 500,
      verbosity: Math.min(2, values.verbose?.length ?? 0) as 0 | 1 | 2,
      memoryLimitText: values['memory-limit'],
    };
    return withRouteperf(cliLayer(values), async (routeperf) => {
      const dsns = await consumableDsns(routeperf.config, names);
      return consumeTransports(routeperf, dsns, options);
    });
  },
});

async function consumableDsns(config: ResolvedConfig, names: readonly string[]): Promise<string[]> {
  const dsns = [
    ...new Set(names.length ? names.map((name) => transportDsn(config, name)) : [transportDsn(config)]),
  ];
  for (const dsn of dsns) {
    if (isInProcess(dsn)) throw notConsumable(dsn, names.length === 0);
  }
  for (const dsn of dsns) await requireClientPackage(dsn, config);
  return dsns;
}

function notConsumable(dsn: string, configured: boolean) {
  const which = configured
    ? `the configured transport is ${redactDsn(dsn)}`
    : `${redactDsn(dsn)} is an in-process transport`;
  return usageError(
    `${which}: its messages are handled inside the app's own process and never reach another one, so there is nothing to consume. For separate workers, set "transport" to a durable one (database://default, redis://…, amqp://…) or name it: routeperf consume <transport>`,
  );
}

function secondsToMs(seconds: number | undefined) {
  return seconds === undefined ? undefined : seconds * 1000;
}
