import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit.js';
import { knownMessages } from '../failed-messages.js';
import { printable, printableLines } from '../format.js';
import { cliLayer, withReadOnlyRouteperf } from '../open.js';
import { positiveIds } from '../values.js';

export const failedShowCommand = defineCommand({
  name: 'failed show',
  summary: 'Show one failed message: its full body and its error',
  options: {},
  positionals: [{ name: 'id', required: true, description: 'Id of the message, as "failed list" shows it' }],
  examples: ['routeperf failed show 12'],
  exitCodes: 'Exit codes: 0 shown, 1 no such id or the database failed, 2 wrong arguments or configuration.',
  async run(values, [given]) {
    const [id] = positiveIds('id', [given!]);
    return withReadOnlyRouteperf(cliLayer(values), async (routeperf) => {
      const [message] =
        (await knownMessages(await internalsOf(routeperf).failures(), [id!], 'failed show')) ?? [];
      if (!message) return EXIT_FAILURE;
      process.stdout.write(
        `${[
          `Failed message ${message.id}`,
          `  message id  ${printable(message.messageId ?? '- (the message was not readable enough to have one)')}`,
          `  failed at   ${message.failedAt.toISOString()}`,
          `  tries       ${message.attempts}`,
          `  transport   ${printable(message.transport)}`,
          '',
          'Error:',
          printableLines(message.error),
          '',
          'Body:',
          printableLines(message.body),
        ].join('\n')}\n`,
      );
      return undefined;
    });
  },
});
