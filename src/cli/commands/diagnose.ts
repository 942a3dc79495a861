import { defineCommand } from '../command.js';
import { renderDiagnosis } from '../diagnose-report.js';
import { diagnose } from '../diagnosis/index.js';
import { EXIT_FAILURE } from '../exit.js';
import { cliLayer } from '../open.js';
import { oneOf } from '../values.js';

export const diagnoseCommand = defineCommand({
  name: 'diagnose',
  summary: 'Check config, database, transport, failed messages and workers; show how to fix each problem',
  details: [
    'Shows the configuration, the mode an app records in (and why it fell back to synchronous), whether the',
    'database is reachable and its tables complete, the messages waiting on the transport, the failure store,',
    'and the workers alive (a heartbeat within the last 15 s). Each problem ends with the command that fixes it.',
    'It changes nothing: tables are read, never created or migrated, and the transport is not set up.',
  ].join('\n'),
  options: {
    format: {
      type: 'string',
      value: '<table|json>',
      description: 'Output format (default: table); json prints one object for scripts',
    },
  },
  examples: ['routeperf diagnose', 'routeperf diagnose --format json | jq .problems'],
  exitCodes:
    'Exit codes: 0 no problem found, 1 problems found (listed with their fix), 2 wrong arguments or configuration.',
  async run(values) {
    const format = oneOf('format', values.format, ['table', 'json'] as const) ?? 'table';
    const diagnosis = await diagnose(cliLayer(values));
    process.stdout.write(
      `${format === 'json' ? JSON.stringify(diagnosis, null, 2) : renderDiagnosis(diagnosis)}\n`,
    );
    return diagnosis.ok ? undefined : EXIT_FAILURE;
  },
});
