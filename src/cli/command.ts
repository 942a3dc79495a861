/** One option of a command: what `util.parseArgs` needs plus what the help shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Given several times (`-vv`): the values come as a list. */
  multiple?: boolean;
  /** Placeholder of the value in the help, e.g. `<url>`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

type OptionValue<S extends OptionSpec> = S['type'] extends 'string' ? string : boolean;

/** Parsed values: a string for each string option given, true for each flag given (a list when `multiple`). */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['multiple'] extends true ? OptionValue<O[K]>[] : OptionValue<O[K]>;
};

/** An argument that is not an option, such as the `<id>` of `failed show <id>`. */
export interface PositionalSpec {
  /** Placeholder in the help and in messages: `id`, `transport`. */
  name: string;
  description: string;
  /** Must be given; a command's required arguments come before its optional ones. */
  required?: boolean;
  /** Takes every remaining argument; only the last one may be variadic. */
  variadic?: boolean;
  /** How usage lines show it, when `<name>` or `[name…]` would not say it: `<id…>|--all`. */
  usage?: string;
}

/** Options every command takes; they map onto the command-line layer of the configuration. */
export const COMMON_OPTIONS = {
  config: {
    type: 'string',
    value: '<file>',
    description:
      'Config file to load instead of routeperf.config.{js,mjs,cjs,ts,mts,cts,json} in this folder',
  },
  database: {
    type: 'string',
    value: '<url>',
    description: 'Database URL (sqlite:<path>, postgres://…, mysql://…); wins over the config',
  },
  verbose: {
    type: 'boolean',
    short: 'v',
    // Repeatable like consume's own -v/-vv, so that both read the same way.
    multiple: true,
    description: 'Show the stack of an unexpected error (a bug), for a bug report',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
} as const satisfies OptionSpecs;

export type CommonValues = OptionValues<typeof COMMON_OPTIONS>;

/**
 * A command's options, then the common ones it does not define itself: a command may give a common option
 * more meaning (consume's -v also prints progress), and its help then says so.
 */
export function optionsOf(command: Command<any>): OptionSpecs {
  const common = Object.entries(COMMON_OPTIONS).filter(([name]) => !Object.hasOwn(command.options, name));
  return { ...command.options, ...Object.fromEntries(common) };
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** One word, or a group and a word (`failed list`). */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** What the help says after the summary: behaviour worth knowing before running it. */
  details?: string;
  /** Options besides the common ones. */
  options: O;
  /** Arguments besides the options, in order; none when absent. */
  positionals?: readonly PositionalSpec[];
  examples: string[];
  /** The help's exit code line, when the command's codes say more than done / failed / wrong arguments. */
  exitCodes?: string;
  /** Resolves to the exit code when it is not 0 (a report that found problems, a worker that failed). */
  run(values: OptionValues<O> & CommonValues, positionals: string[]): Promise<number | undefined>;
}

/** Keeps the literal option specs so that `run` gets typed values. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/** `<id>`, `[transport…]`: how an argument appears in usage lines and messages. */
export function positionalUsage(spec: PositionalSpec): string {
  if (spec.usage) return spec.usage;
  const name = `${spec.name}${spec.variadic ? '…' : ''}`;
  return spec.required ? `<${name}>` : `[${name}]`;
}
