import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  type Command,
  type CommonValues,
  type OptionSpecs,
  type OptionValues,
  optionsOf,
  type PositionalSpec,
  positionalUsage,
} from './command.js';
import { didYouMean, listOf, usageError } from './usage-error.js';

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs<O extends OptionSpecs> {
  values: OptionValues<O> & CommonValues;
  positionals: string[];
}

/** Parses a command's arguments strictly; any mistake becomes a usage error that names the option. */
export function parseCommandArgs<O extends OptionSpecs>(command: Command<O>, args: string[]): ParsedArgs<O> {
  const options = toParseOptions(optionsOf(command));
  const specs = command.positionals ?? [];
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: specs.length > 0,
    });
    checkPositionals(specs, positionals);
    return { values: values as OptionValues<O> & CommonValues, positionals };
  } catch (error) {
    if (!String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw error;
    throw usageError(explainParseError(args, options, specs.length > 0) ?? (error as Error).message);
  }
}

/** True when the arguments ask for help, wherever `--help` or `-h` stands before a `--`. */
export function wantsHelp(args: string[]): boolean {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  return args.slice(0, end).some((arg) => arg === '--help' || arg === '-h');
}

function toParseOptions(specs: OptionSpecs): ParseOptions {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short ? { short: spec.short } : {}),
        ...(spec.multiple ? { multiple: true } : {}),
      },
    ]),
  );
}

function checkPositionals(specs: readonly PositionalSpec[], given: readonly string[]) {
  const missing = specs.find((spec, i) => spec.required && given[i] === undefined);
  if (missing) throw usageError(`expected ${positionalUsage(missing)}, got nothing`);
  if (specs.at(-1)?.variadic || given.length <= specs.length) return;
  throw usageError(
    `unexpected argument ${JSON.stringify(given[specs.length])}; expected ${specs.map(positionalUsage).join(' ')} and options only`,
  );
}

/**
 * Node's own parse errors are written for programmers and vary between versions, so the arguments are
 * read again, leniently, to find the first bad one and say in our words what was expected.
 */
function explainParseError(
  args: string[],
  options: ParseOptions,
  allowPositionals: boolean,
): string | undefined {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const known = Object.keys(options).map((name) => `--${name}`);
  for (const token of tokens) {
    if (token.kind === 'positional' && !allowPositionals) {
      return `unexpected argument ${JSON.stringify(token.value)}; expected options only (${listOf(known)})`;
    }
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) {
      return `unknown option ${token.rawName}; expected one of ${listOf(known)}${didYouMean(`--${token.name}`, known)}`;
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      return `${token.rawName}: expected no value, got ${JSON.stringify(token.value)}`;
    }
    if (spec.type === 'string' && token.value === undefined) {
      return `${token.rawName}: expected a value, got nothing`;
    }
    if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      return `${token.rawName}: expected a value, got the option ${JSON.stringify(token.value)} (write ${token.rawName}=${token.value} if that is the value)`;
    }
  }
  return undefined;
}
