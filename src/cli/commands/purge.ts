import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import type { FailureLog } from '../../store/failures.js';
import { defineCommand } from '../command.js';
import { cliLayer, databaseOf, withRouteperf } from '../open.js';
import { progressBar, showsProgress } from '../progress.js';
import { usageError } from '../usage-error.js';
import { nonEmpty, oneOf, pointInTime } from '../values.js';

export const purgeCommand = defineCommand({
  name: 'purge',
  summary: 'Delete the access records (and, with --failed, the failed messages) older than an age',
  details: [
    'Deletes a few thousand rows per statement, so that the table is never locked for long; stopped half',
    'way, it keeps what it deleted, and running it again finishes. The minute, hour and day buckets are',
    "not touched: their retention is the rollup's (see `retention`). With accessRecords.retentionDays",
    'set, writers already do this by themselves every hour. A progress bar shows on a terminal.',
  ].join('\n'),
  options: {
    'older-than': {
      type: 'string',
      value: '<age|date>',
      description: 'Delete what is older than this: 30d, 12h, or an ISO date such as 2026-01-01 (required)',
    },
    environment: {
      type: 'string',
      value: '<name>',
      description: "Only this environment's access records (default: every environment)",
    },
    failed: { type: 'boolean', description: 'Also delete the failed messages older than that' },
    format: { type: 'string', value: '<text|json>', description: 'Output format (default: text)' },
  },
  examples: [
    'routeperf purge --older-than 30d',
    'routeperf purge --older-than 90d --failed --format json',
    'routeperf purge --older-than 2026-01-01 --environment staging',
  ],
  async run(values) {
    const olderThan = pointInTime('older-than', values['older-than'], Date.now());
    if (!olderThan) throw usageError('--older-than: required, e.g. --older-than 30d');
    const environment = nonEmpty('environment', values.environment);
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    const before = olderThan.at.getTime();
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const { store } = internalsOf(routeperf);
      const admin = await store.admin();
      const records = await withProgress(
        'access records',
        () => admin.countAccessRecordsOlderThan(before, environment),
        (onBatch) => admin.purgeAccessRecords(before, environment, onBatch),
      );
      const failed = values.failed ? await purgeFailed(await store.failures(), before) : null;
      if (format === 'json') {
        const deleted = { accessRecords: records, failedMessages: failed };
        const output = { olderThan: olderThan.at.toISOString(), environment: environment ?? null, deleted };
        process.stdout.write(`${JSON.stringify(output)}\n`);
        return;
      }
      const scope = environment === undefined ? 'every environment' : `environment "${environment}"`;
      const also = failed === null ? '' : `, and ${plural(failed, 'failed message')}`;
      const iso = olderThan.at.toISOString();
      const when = olderThan.label === iso ? iso : `${iso} (${olderThan.label})`;
      process.stdout.write(
        `${databaseOf(routeperf)}: deleted ${plural(records, 'access record')} of ${scope}${also}, from before ${when}.\n`,
      );
    });
  },
});

function purgeFailed(failures: FailureLog, before: number): Promise<number> {
  return withProgress(
    'failed messages',
    () => failures.count(before),
    (onBatch) => failures.purge(before, onBatch),
  );
}

/** Runs a batched deletion of `total` rows with a progress bar on a terminal; returns how many went. */
async function withProgress(
  label: string,
  total: () => Promise<number>,
  purge: (onBatch: (deleted: number) => void) => Promise<number>,
): Promise<number> {
  const bar = progressBar(`Deleting ${label}`, showsProgress() ? await total() : 0);
  try {
    return await purge((deleted) => bar.update(deleted));
  } finally {
    bar.stop();
  }
}
