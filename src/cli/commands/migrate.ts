import { internalsOf } from '../../routeperf/internals.js';
import type { Routeperf } from '../../routeperf.js';
import { defineCommand } from '../command.js';
import { type Column, renderTable } from '../format.js';
import { cliLayer, databaseOf, withReadOnlyRouteperf, withRouteperf } from '../open.js';
import { oneOf } from '../values.js';

interface MigrationRow {
  name: string;
  status: 'applied' | 'pending';
  appliedAt: string | null;
}

const COLUMNS: readonly Column<MigrationRow>[] = [
  { header: 'status', align: 'left', cell: (row) => row.status },
  { header: 'migration', align: 'left', cell: (row) => row.name },
  {
    header: 'applied at (UTC)',
    align: 'left',
    cell: (row) => row.appliedAt?.replace('T', ' ').slice(0, 19) ?? '',
  },
];

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: "Create or upgrade routeperf's tables in the database",
  details: [
    'With --status it changes nothing: it lists the migrations of this version, applied or pending, and',
    'when each was applied.',
  ].join('\n'),
  options: {
    status: { type: 'boolean', description: 'List applied and pending migrations instead of migrating' },
    format: {
      type: 'string',
      value: '<text|json>',
      description: 'Output format of --status (default: text)',
    },
  },
  examples: [
    'routeperf migrate',
    'routeperf migrate --database postgres://user:pass@localhost:5432/app',
    'routeperf migrate --status --format json',
  ],
  async run(values) {
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    if (values.status) {
      await withReadOnlyRouteperf(cliLayer(values), (routeperf) => printStatus(routeperf, format));
      return;
    }
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const { results = [] } = await internalsOf(routeperf).store.migrate();
      if (results.length === 0) {
        process.stdout.write(`${databaseOf(routeperf)}: schema is up to date.\n`);
        return;
      }
      const applied = results.map((result) => `  applied ${result.migrationName}`);
      process.stdout.write(`${databaseOf(routeperf)}: migrated.\n${applied.join('\n')}\n`);
    });
  },
});

async function printStatus(routeperf: Routeperf, format: 'text' | 'json') {
  const rows: MigrationRow[] = (await internalsOf(routeperf).store.migrations()).map(
    ({ name, appliedAt }) => ({
      name,
      status: appliedAt ? 'applied' : 'pending',
      appliedAt: appliedAt?.toISOString() ?? null,
    }),
  );
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ database: databaseOf(routeperf), migrations: rows })}\n`);
    return;
  }
  const pending = rows.filter((row) => row.status === 'pending').length;
  const verdict = pending === 0 ? 'schema is up to date' : `${pending} pending: run "routeperf migrate"`;
  process.stdout.write(`${databaseOf(routeperf)}: ${verdict}.\n${renderTable(COLUMNS, rows)}\n`);
}
