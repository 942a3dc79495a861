import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import { defineCommand } from '../command.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';
import { oneOf } from '../values.js';

export const rollupCommand = defineCommand({
  name: 'rollup',
  summary:
    'Roll up finished minutes into minute, hour, day and week buckets, and delete buckets past retention',
  details: [
    'Writers (the app in synchronous mode, workers) do this by themselves every minute; run it from cron',
    'where nothing writes for long stretches. It is safe to run at any time, from any number of machines:',
    'each step is a small transaction, and a run stopped half way is finished by the next one.',
  ].join('\n'),
  options: {
    format: { type: 'string', value: '<text|json>', description: 'Output format (default: text)' },
  },
  examples: ['routeperf rollup', 'routeperf rollup --format json'],
  async run(values) {
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const result = await internalsOf(routeperf).store.rollup();
      if (format === 'json') {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(
        `${databaseOf(routeperf)}: rolled up ${plural(result.folded, 'minute bucket')} (${plural(result.requests, 'request')}), deleted ${plural(result.expired, 'expired bucket')}.\n`,
      );
    });
  },
});
