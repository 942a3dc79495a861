import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import type { EnvironmentRebuild, RebuildResult } from '../../store/rebuild.js';
import { defineCommand } from '../command.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';
import { type Progress, progressBar } from '../progress.js';
import { TIME_WINDOW_OPTIONS, timeWindowOf } from '../time-window.js';
import { nonEmpty, oneOf } from '../values.js';

export const rebuildCommand = defineCommand({
  name: 'rebuild',
  summary: 'Recompute the minute, hour, day and week buckets of a window from the access records',
  details: [
    'For buckets that went wrong (a restored backup, an outage that counted a redelivery twice) or an',
    'nPlusOneThreshold that changed: every bucket of the window is replaced by what its access records',
    'make, counted and summed as ingestion and the rollup do, so running it twice gives the same buckets.',
    'It goes a few thousand records per transaction while the app and workers go on writing, and a run',
    'stopped half way is finished by running it again. Without --since it starts where the access records',
    'start; it refuses a window whose buckets hold requests that have no access record (purged, or',
    'recorded with accessRecords off), which it would lose. --dry-run tells what the window holds first.',
  ].join('\n'),
  options: {
    ...TIME_WINDOW_OPTIONS,
    environment: {
      type: 'string',
      value: '<name>',
      description: 'Only this environment (default: every environment)',
    },
    'dry-run': { type: 'boolean', description: 'Only count the requests and access records of the window' },
    format: { type: 'string', value: '<text|json>', description: 'Output format (default: text)' },
  },
  examples: [
    'routeperf rebuild --dry-run',
    'routeperf rebuild --since 7d',
    'routeperf rebuild --since 2026-11-01 --until 2026-11-08 --environment production --format json',
  ],
  async run(values) {
    const { since, until } = timeWindowOf(values, Date.now());
    const environment = nonEmpty('environment', values.environment);
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    const dryRun = values['dry-run'] === true;
    await withRouteperf(cliLayer(values), async (routeperf) => {
      let bar: Progress | undefined;
      const result = await internalsOf(routeperf)
        .store.rebuild({
          since: since?.at.getTime(),
          until: until?.at.getTime(),
          environment,
          dryRun,
          onProgress(done, total) {
            bar ??= progressBar('Rebuilding from access records', total);
            bar.update(done);
          },
        })
        .finally(() => bar?.stop());
      process.stdout.write(
        format === 'json'
          ? `${JSON.stringify(asJson(result, dryRun))}\n`
          : report(databaseOf(routeperf), result, dryRun),
      );
    });
  },
});

function asJson(result: RebuildResult, dryRun: boolean) {
  const environments = result.environments.map((rebuilt) => ({
    ...rebuilt,
    from: new Date(rebuilt.from).toISOString(),
    to: new Date(rebuilt.to).toISOString(),
  }));
  return { dryRun, environments, skipped: result.skipped };
}

/** One line per environment: its window, the access records, and the requests its buckets held. */
function report(database: string, result: RebuildResult, dryRun: boolean): string {
  const line = (rebuilt: EnvironmentRebuild) => {
    const window = `from ${new Date(rebuilt.from).toISOString()} to ${new Date(rebuilt.to).toISOString()}`;
    const records = plural(rebuilt.accessRecords, 'access record');
    const held = plural(rebuilt.requestsBefore, 'request');
    return dryRun
      ? `${database}: would rebuild environment "${rebuilt.environment}" ${window} from ${records}; its buckets hold ${held} there.`
      : `${database}: rebuilt environment "${rebuilt.environment}" ${window} from ${records}; its buckets held ${held} there.`;
  };
  const skipped = result.skipped.map(
    ({ environment, reason }) => `Skipped environment "${environment}": ${reason}.`,
  );
  const lines = [...result.environments.map(line), ...skipped];
  return `${lines.length > 0 ? lines.join('\n') : `${database}: no environment to rebuild.`}\n`;
}
