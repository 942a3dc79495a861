import { COMMON_OPTIONS, type Command, type OptionSpecs } from './command.js';
import { renderTable } from './format.js';

const TAGLINE = 'routeperf: the performance of every route of a Node.js app, in your SQL database';
const EXIT_CODES =
  'Exit codes: 0 done, 1 the database or the work failed, 2 wrong arguments or configuration.';

export function globalHelp(commands: readonly Command<any>[], version: string): string {
  return [
    `${TAGLINE} (${version})`,
    '',
    'Usage: routeperf <command> [options]',
    '',
    'Commands:',
    twoColumns(commands.map((command) => [command.name, command.summary])),
    '',
    'Options of every command:',
    optionLines(COMMON_OPTIONS),
    '',
    'Without a command:',
    optionLines({
      help: { type: 'boolean', short: 'h', description: 'Show this help' },
      version: { type: 'boolean', short: 'v', description: 'Print the version' },
    }),
    '',
    'Run "routeperf <command> --help" for the options of a command.',
    EXIT_CODES,
  ].join('\n');
}

export function commandHelp(command: Command<any>): string {
  return [
    `Usage: routeperf ${command.name} [options]`,
    '',
    `${command.summary}.`,
    '',
    'Options:',
    optionLines({ ...command.options, ...COMMON_OPTIONS }),
    '',
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
    EXIT_CODES,
  ].join('\n');
}

function optionLines(options: OptionSpecs): string {
  return twoColumns(
    Object.entries(options).map(([name, spec]) => [
      `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`,
      spec.description,
    ]),
  );
}

function twoColumns(rows: [string, string][]): string {
  return renderTable(
    [
      { header: '', align: 'left', cell: ([left]: [string, string]) => `  ${left}` },
      { header: '', align: 'left', cell: ([, right]: [string, string]) => right },
    ],
    rows,
    { withHeader: false },
  );
}
