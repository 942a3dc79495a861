import { formatCount, plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import type { FailedMessage } from '../../store/failures.js';
import { defineCommand } from '../command.js';
import { type Column, renderTable } from '../format.js';
import { cliLayer, databaseOf, withReadOnlyRouteperf } from '../open.js';
import { oneOf, wholeNumber } from '../values.js';

const COLUMNS: Column<FailedMessage>[] = [
  { header: 'ID', align: 'right', cell: (message) => String(message.id) },
  { header: 'FAILED AT', align: 'left', cell: (message) => message.failedAt.toISOString() },
  { header: 'TRIES', align: 'right', cell: (message) => formatCount(message.attempts) },
  { header: 'MESSAGE ID', align: 'left', cell: (message) => message.messageId ?? '-', maxWidth: 36 },
  { header: 'TRANSPORT', align: 'left', cell: (message) => message.transport, maxWidth: 40 },
  { header: 'ERROR', align: 'left', cell: (message) => message.error.split('\n')[0]!, maxWidth: 90 },
];

export const failedListCommand = defineCommand({
  name: 'failed list',
  summary: 'List the messages workers gave up on (the failure store)',
  options: {
    limit: { type: 'string', value: '<n>', description: 'Show at most n messages (default 100)' },
    format: { type: 'string', value: '<table|json>', description: 'Output format (default: table)' },
  },
  examples: ['routeperf failed list', 'routeperf failed list --limit 20 --format json'],
  async run(values) {
    const limit = wholeNumber('limit', values.limit) ?? 100;
    const format = oneOf('format', values.format, ['table', 'json'] as const) ?? 'table';
    await withReadOnlyRouteperf(cliLayer(values), async (routeperf) => {
      const failures = await internalsOf(routeperf).failures();
      const [messages, total] = await Promise.all([failures.list({ limit }), failures.count()]);
      if (format === 'json') {
        const json = messages.map((message) => ({ ...message, failedAt: message.failedAt.toISOString() }));
        process.stdout.write(`${JSON.stringify({ total, messages: json }, null, 2)}\n`);
        return;
      }
      if (total === 0) {
        process.stdout.write(`No failed messages in ${databaseOf(routeperf)}.\n`);
        return;
      }
      const shown =
        messages.length < total ? ` (the first ${formatCount(messages.length)}; --limit for more)` : '';
      process.stdout.write(
        `${[
          `${plural(total, 'failed message')} in ${databaseOf(routeperf)}${shown}:`,
          '',
          renderTable(COLUMNS, messages),
          '',
          'Next: routeperf failed show <id> · routeperf failed retry <id…>|--all · routeperf failed remove <id…>|--all',
        ].join('\n')}\n`,
      );
    });
  },
});
