/** One option of a command: what `util.parseArgs` needs plus what the help shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder of the value in the help, e.g. `<url>`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parsed values: a string for each string option given, true for each flag given. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean;
};

/** Options every command takes; they map onto the command-line layer of the configuration. */
export const COMMON_OPTIONS = {
  config: {
    type: 'string',
    value: '<file>',
    description: 'Config file to load instead of routeperf.config.{js,mjs,json} in this folder',
  },
  database: {
    type: 'string',
    value: '<url>',
    description: 'Database URL (sqlite:<path>, postgres://…, mysql://…); wins over the config',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
} as const satisfies OptionSpecs;

export type CommonValues = OptionValues<typeof COMMON_OPTIONS>;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Options besides the common ones. */
  options: O;
  examples: string[];
  run(values: OptionValues<O> & CommonValues): Promise<void>;
}

/** Keeps the literal option specs so that `run` gets typed values. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}
