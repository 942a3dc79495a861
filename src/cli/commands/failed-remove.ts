import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit.js';
import { ALL_OPTION, IDS_ARGUMENT, idsOrAll, knownMessages } from '../failed-messages.js';
import { cliLayer, withRouteperf } from '../open.js';

export const failedRemoveCommand = defineCommand({
  name: 'failed remove',
  summary: 'Delete failed messages from the failure store for good',
  details: 'All ids must exist, or nothing is removed (exit 1).',
  options: { all: ALL_OPTION },
  positionals: [IDS_ARGUMENT],
  examples: ['routeperf failed remove 12 13', 'routeperf failed remove --all'],
  async run(values, given) {
    const selection = idsOrAll(given, values.all);
    return withRouteperf(cliLayer(values), async (routeperf) => {
      const failures = await internalsOf(routeperf).failures();
      if (selection !== 'all' && !(await knownMessages(failures, selection, 'failed remove'))) {
        return EXIT_FAILURE;
      }
      const removed = await failures.remove(selection);
      process.stdout.write(
        removed ? `Removed ${plural(removed, 'failed message')}.\n` : 'No failed messages to remove.\n',
      );
      return undefined;
    });
  },
});
