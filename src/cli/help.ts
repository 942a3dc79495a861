import { COMMON_OPTIONS, type Command, type OptionSpecs, optionsOf, positionalUsage } from './command.js';
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
    commandList(commands),
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
  const positionals = command.positionals ?? [];
  return [
    `Usage: routeperf ${signature(command, true)}`,
    '',
    `${command.summary}.`,
    ...(command.details ? ['', command.details] : []),
    ...(positionals.length
      ? ['', 'Arguments:', twoColumns(positionals.map((spec) => [positionalUsage(spec), spec.description]))]
      : []),
    '',
    'Options:',
    optionLines(optionsOf(command)),
    '',
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
    command.exitCodes ?? EXIT_CODES,
  ].join('\n');
}

/** `routeperf failed --help`: the commands of the group. */
export function groupHelp(group: string, commands: readonly Command<any>[]): string {
  return [
    `Usage: routeperf ${group} <command> [options]`,
    '',
    'Commands:',
    commandList(commands),
    '',
    `Run "routeperf ${group} <command> --help" for the options of a command.`,
    EXIT_CODES,
  ].join('\n');
}

function commandList(commands: readonly Command<any>[]): string {
  return twoColumns(commands.map((command) => [signature(command, false), command.summary]));
}

/** `failed show <id>`, and `[options]` in usage lines. */
function signature(command: Command<any>, withOptions: boolean): string {
  const positionals = (command.positionals ?? []).map(positionalUsage);
  return [command.name, ...(withOptions ? ['[options]'] : []), ...positionals].join(' ');
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
