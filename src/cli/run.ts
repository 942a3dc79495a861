import { parseCommandArgs, wantsHelp } from './args.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, failureMessage } from './exit.js';
import { commandHelp, globalHelp, groupHelp } from './help.js';
import { didYouMean, listOf, usageError } from './usage-error.js';
import { packageVersion } from './version.js';

const print = (text: string) => process.stdout.write(`${text}\n`);

/** Runs the CLI with `args` (without node and the script) and resolves to the exit code. */
export async function runCli(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  const found = findCommand(args);
  const group = found ? [] : groupOf(first);
  let verbose = false;
  try {
    if (found) {
      const { command, args: commandArgs } = found;
      if (wantsHelp(commandArgs)) return done(commandHelp(command));
      const { values, positionals } = parseCommandArgs(command, commandArgs);
      verbose = values.verbose !== undefined;
      return (await command.run(values, positionals)) ?? EXIT_OK;
    }
    if (group.length > 0) {
      if (wantsHelp(rest)) return done(groupHelp(first!, group));
      throw unknownSubcommand(first!, rest[0], group);
    }
    if (first === '--version' || first === '-v') return done(packageVersion());
    if (first === '--help' || first === '-h') return done(globalHelp(COMMANDS, packageVersion()));
    if (first === 'help') return done(helpFor(rest));
    if (first === undefined) {
      process.stderr.write(`${globalHelp(COMMANDS, packageVersion())}\n`);
      return EXIT_USAGE;
    }
    throw unknownCommand(first);
  } catch (error) {
    const command = found?.command.name ?? (group.length ? first : undefined);
    process.stderr.write(`${failureMessage(error, command, { verbose })}\n`);
    return exitCodeFor(error);
  }
}

function done(text: string) {
  print(text);
  return EXIT_OK;
}

/**
 * The command the arguments start with (`routes`, `failed list`) and the arguments after its name; the
 * longest name first, so that `routes delete` is not taken for `routes` given `delete`.
 */
function findCommand(args: readonly string[]) {
  for (const command of BY_LONGEST_NAME) {
    const words = command.name.split(' ');
    if (words.every((word, i) => args[i] === word)) return { command, args: args.slice(words.length) };
  }
  return undefined;
}

const BY_LONGEST_NAME = [...COMMANDS].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);

/** The commands of a group such as `failed`, or none when `word` names no group. */
function groupOf(word: string | undefined): Command<any>[] {
  return word === undefined ? [] : COMMANDS.filter((command) => command.name.startsWith(`${word} `));
}

function helpFor(words: string[]) {
  if (words.length === 0) return globalHelp(COMMANDS, packageVersion());
  const found = findCommand(words);
  if (found && found.args.length === 0) return commandHelp(found.command);
  const group = groupOf(words[0]);
  if (group.length > 0 && words.length === 1) return groupHelp(words[0]!, group);
  if (group.length > 0) throw unknownSubcommand(words[0]!, words[1], group);
  throw unknownCommand(words.join(' '));
}

function unknownSubcommand(group: string, given: string | undefined, commands: readonly Command<any>[]) {
  const names = commands.map((command) => command.name.slice(group.length + 1));
  const got = given === undefined ? 'nothing' : JSON.stringify(given);
  const hint = given === undefined ? '' : didYouMean(given, names);
  return usageError(`expected ${listOf(names)} after "${group}", got ${got}${hint}`);
}

function unknownCommand(given: string) {
  const names = [...new Set(COMMANDS.map((command) => command.name.split(' ')[0]!)), 'help'];
  const what = given.startsWith('-') ? 'option' : 'command';
  return usageError(
    `unknown ${what} ${JSON.stringify(given)}; expected a command: ${listOf(names)}${didYouMean(given, names)}`,
  );
}
