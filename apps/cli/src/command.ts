import { UsageError } from './cli-error';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** shown as `--name <valueName>` */
  valueName?: string;
  description: string;
  /** the only values accepted; anything else is a usage error naming them */
  choices?: readonly string[];
}

/** A positional argument: `<name>` when required, `[name]` when not, `name…` when it takes several. */
export interface ArgumentSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
  choices?: readonly string[];
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/**
 * What `driftwatch --help`, the parser and the README need to know about a command. Definitions are loaded at
 * start-up, so a definition module imports nothing heavy (no tfjs, Arrow or data adapters).
 */
export interface CommandDefinition {
  /** words after `driftwatch`, e.g. ['bench', 'asd-loso'] */
  path: readonly string[];
  summary: string;
  usage: string;
  description?: string;
  arguments?: readonly ArgumentSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  examples: readonly string[];
}

/** A definition with its literal types kept, so that `OptionValuesOf<typeof definition>` is precise. */
export function defineCommand<const D extends CommandDefinition>(definition: D): D {
  return definition;
}

type OptionValue<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O['multiple'] extends true
    ? string[]
    : O['choices'] extends readonly (infer C extends string)[]
      ? C
      : string;
type WithDefault<O> = { [K in keyof O]: O[K] extends { default: string | boolean } ? K : never }[keyof O];

/** The parsed option values of a definition: options with a default are always there. */
export type OptionValuesOf<D extends CommandDefinition> = {
  [K in WithDefault<D['options']>]: OptionValue<D['options'][K]>;
} & {
  [K in Exclude<keyof D['options'], WithDefault<D['options']>>]?: OptionValue<D['options'][K]>;
};

/** Typed values where the definition's option names are known, the loose record otherwise. */
type ValuesFor<D extends CommandDefinition> = string extends keyof D['options']
  ? OptionValues
  : OptionValuesOf<D> & OptionValues;

/** A definition with the code that runs it; the run modules are loaded only when their command runs. */
export type Command<D extends CommandDefinition = CommandDefinition> = D & {
  /** `argv` is the whole command line after `driftwatch`, for recording how a result was made */
  run(values: ValuesFor<D>, positionals: string[], argv: string[]): Promise<number>;
};

/** Options shared by several definitions, with their names kept as literal types. */
export function defineOptions<const O extends Record<string, OptionSpec>>(options: O): O {
  return options;
}

/** Options every data-reading command takes. */
export const dataRootOption = defineOptions({
  'data-root': {
    type: 'string',
    valueName: 'dir',
    description:
      'folder holding the data sets (default: $DRIFTWATCH_DATA, else ../shared/datasets next to the repository)',
  },
});

/** The tfjs backends of @driftwatch/models' loader (BACKEND_PREFERENCES; test/definitions.test.ts keeps them equal). */
/** The Prometheus a command reads and the serve config that maps model features to its queries. */
export const prometheusOptions = defineOptions({
  prometheus: { type: 'string', valueName: 'url', description: 'Prometheus base URL, e.g. http://127.0.0.1:9090' },
  config: { type: 'string', valueName: 'file', description: 'serve config: entityLabel, interval, features, …' },
});

export const BACKEND_CHOICES = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;

export const backendOption = defineOptions({
  backend: {
    type: 'string',
    valueName: 'name',
    default: 'auto',
    choices: BACKEND_CHOICES,
    description:
      'tfjs backend; auto takes the first of tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu that loads and ' +
      "passes a smoke test ('driftwatch doctor' shows why the others do not)",
  },
});

export function requireString(values: OptionValues, name: string, cmd: CommandDefinition): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '')
    throw new UsageError(`--${name} is required. Run 'driftwatch ${cmd.path.join(' ')} --help'.`);
  return v;
}

export function optionalString(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Comma-separated list flag → trimmed non-empty items. */
export function listOption(values: OptionValues, name: string): string[] | undefined {
  const v = optionalString(values, name);
  return v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export function intOption(values: OptionValues, name: string, fallback: number, min = 0): number {
  const v = optionalString(values, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} expects an integer ≥ ${min}, got '${v}'`);
  return n;
}

/** A command line that can be pasted into a shell to run the same thing again. */
export function commandLine(argv: string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['driftwatch', ...argv.map(quote)].join(' ');
}
