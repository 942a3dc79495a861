import { parseCommandArgs, wantsHelp } from './args.js';
import { COMMANDS } from './commands/index.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, failureMessage } from './exit.js';
import { commandHelp, globalHelp } from './help.js';
import { didYouMean, listOf, usageError } from './usage-error.js';
import { packageVersion } from './version.js';

const print = (text: string) => process.stdout.write(`${text}\n`);

/** Runs the CLI with `args` (without node and the script) and resolves to the exit code. */
export async function runCli(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  const command = COMMANDS.find((candidate) => candidate.name === first);
  try {
    if (command) {
      if (wantsHelp(rest)) return done(commandHelp(command));
      await command.run(parseCommandArgs(command, rest));
      return EXIT_OK;
    }
    if (first === '--version' || first === '-v') return done(packageVersion());
    if (first === '--help' || first === '-h') return done(globalHelp(COMMANDS, packageVersion()));
    if (first === 'help') return done(helpFor(rest[0]));
    if (first === undefined) {
      process.stderr.write(`${globalHelp(COMMANDS, packageVersion())}\n`);
      return EXIT_USAGE;
    }
    throw unknownCommand(first);
  } catch (error) {
    process.stderr.write(`${failureMessage(error, command?.name)}\n`);
    return exitCodeFor(error);
  }
}

function done(text: string) {
  print(text);
  return EXIT_OK;
}

function helpFor(name: string | undefined) {
  if (name === undefined) return globalHelp(COMMANDS, packageVersion());
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw unknownCommand(name);
  return commandHelp(command);
}

function unknownCommand(given: string) {
  const names = [...COMMANDS.map((command) => command.name), 'help'];
  const what = given.startsWith('-') ? 'option' : 'command';
  return usageError(
    `unknown ${what} ${JSON.stringify(given)}; expected a command: ${listOf(names)}${didYouMean(given, names)}`,
  );
}
