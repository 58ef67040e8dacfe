import { parseArgs } from 'node:util';
import { UsageError } from './cli-error';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** shown as `--name <valueName>` */
  valueName?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** words after `driftwatch`, e.g. ['bench', 'asd-loso'] */
  path: string[];
  summary: string;
  usage: string;
  description?: string;
  options: Record<string, OptionSpec>;
  examples: string[];
  /** `argv` is the whole command line after `driftwatch`, for recording how a result was made */
  run(values: OptionValues, positionals: string[], argv: string[]): Promise<number>;
}

/** Options every data-reading command takes. */
export const dataRootOption: Record<string, OptionSpec> = {
  'data-root': {
    type: 'string',
    valueName: 'dir',
    description: 'folder holding the data sets (default: $DRIFTWATCH_DATA, else ../shared/datasets next to the repository)',
  },
};

export const backendOption: Record<string, OptionSpec> = {
  backend: {
    type: 'string',
    valueName: 'name',
    default: 'auto',
    description: "tfjs backend: auto (the first of tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu that loads and passes a smoke test; 'driftwatch doctor' shows why the others do not), tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu",
  },
};

export function helpText(cmd: Command): string {
  const opts = Object.entries({ ...cmd.options, help: { type: 'boolean', short: 'h', description: 'show this help' } as OptionSpec });
  const left = opts.map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = opts.map(([, o], i) => `  ${left[i].padEnd(width)}${o.description}${o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : ''}`);
  return [
    `driftwatch ${cmd.path.join(' ')} — ${cmd.summary}`,
    '',
    `Usage: ${cmd.usage}`,
    ...(cmd.description ? ['', cmd.description] : []),
    '',
    'Options:',
    ...lines,
    '',
    'Examples:',
    ...cmd.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

export function parseCommandArgs(cmd: Command, argv: string[]): { values: OptionValues; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals, help: Boolean(values.help) };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}\nRun 'driftwatch ${cmd.path.join(' ')} --help' for the options.`);
  }
}

export function requireString(values: OptionValues, name: string, cmd: Command): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required. Run 'driftwatch ${cmd.path.join(' ')} --help'.`);
  return v;
}

export function optionalString(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Comma-separated list flag → trimmed non-empty items. */
export function listOption(values: OptionValues, name: string): string[] | undefined {
  const v = optionalString(values, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
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
