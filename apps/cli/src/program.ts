/**
 * The command line as commander parses it, built from the command definitions: groups of subcommands, options
 * with their types, choices and defaults, suggestions for mistyped commands and options, help with examples.
 * A command's run module is loaded only when that command runs, so help, version and usage errors stay fast.
 */
import { Argument, Command as Commander, CommanderError, Option } from 'commander';
import { UsageError } from './cli-error';
import type { ArgumentSpec, Command, CommandDefinition, OptionSpec, OptionValues } from './command';

/** A command as the program lists it: its definition at once, its run module when it runs. */
export interface LazyCommand {
  definition: CommandDefinition;
  load(): Promise<Command>;
}

export interface ProgramSpec {
  name: string;
  version: string;
  summary: string;
  /** one line per group of subcommands (`datasets`, `bench`, …), shown in the group's help */
  groups: Readonly<Record<string, string>>;
  commands: readonly LazyCommand[];
  examples: readonly string[];
  notes: readonly string[];
}

function isCommand(value: unknown): value is Command {
  const c = value as Partial<Command> | null;
  return typeof c === 'object' && c !== null && Array.isArray(c.path) && typeof c.run === 'function';
}

/**
 * The listed form of a command: `loadModule` imports its run module, where the command is the export whose path
 * is the definition's (so the list names no export).
 */
export function lazyCommand(definition: CommandDefinition, loadModule: () => Promise<object>): LazyCommand {
  const path = definition.path.join(' ');
  return {
    definition,
    async load() {
      const found = Object.values(await loadModule()).find((v) => isCommand(v) && v.path.join(' ') === path);
      if (!found) throw new Error(`the run module of '${path}' exports no command with that path`);
      return found as Command;
    },
  };
}

/** 'a', 'a or b', 'a, b or c' */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The parser commander calls for each value of an option or argument with choices. */
function choiceParser(what: string, choices: readonly string[], many: boolean) {
  return (value: string, previous: string | string[] | undefined) => {
    if (!choices.includes(value)) throw new UsageError(`${what} expects ${orList(choices)}, got '${value}'`);
    return many ? [...((previous as string[] | undefined) ?? []), value] : value;
  };
}

function argumentTerm(a: ArgumentSpec, dots = '…'): string {
  const name = `${a.name}${a.variadic ? dots : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
}

/** How an argument appears in a synopsis: its choices when it has a few, else its name. */
export function argumentSynopsis(a: ArgumentSpec): string {
  const name = a.choices ? a.choices.join('|') : a.name;
  return argumentTerm({ ...a, name });
}

function optionFlags(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
}

function optionText(o: OptionSpec): string {
  const shown: string[] = [];
  if (o.choices) shown.push(`one of: ${o.choices.join(', ')}`);
  if (o.default !== undefined && o.default !== false) shown.push(`default: ${o.default}`);
  return shown.length > 0 ? `${o.description} (${shown.join('; ')})` : o.description;
}

/** A help section's rows, second column aligned; not wrapped, so each entry stays one line for tools that read it. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`.trimEnd());
}

function argumentText(a: ArgumentSpec): string {
  return a.choices ? `${a.description} (one of: ${a.choices.join(', ')})` : a.description;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** `driftwatch <command> --help`. */
export function helpText(def: CommandDefinition): string {
  const options = Object.entries({ ...def.options, help: HELP_OPTION });
  const args = def.arguments ?? [];
  return [
    `driftwatch ${def.path.join(' ')} — ${def.summary}`,
    '',
    `Usage: ${def.usage}`,
    ...(def.description ? ['', def.description] : []),
    ...(args.length > 0 ? ['', 'Arguments:', ...columns(args.map((a) => [argumentTerm(a), argumentText(a)]))] : []),
    '',
    'Options:',
    ...columns(options.map(([name, o]) => [`${o.short ? '' : '    '}${optionFlags(name, o)}`, optionText(o)])),
    '',
    'Examples:',
    ...def.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** `driftwatch <group> --help`: the group's commands and an example of each. */
export function groupHelpText(spec: ProgramSpec, group: string): string {
  const members = spec.commands.map((c) => c.definition).filter((d) => d.path[0] === group);
  return [
    `${spec.name} ${group} — ${spec.groups[group] ?? `commands ${members.map((d) => d.path[1]).join(', ')}`}`,
    '',
    `Usage: ${spec.name} ${group} <command> [options]      (${spec.name} ${group} <command> --help for its options)`,
    '',
    'Commands:',
    ...columns(members.map((d) => [d.path.slice(1).join(' '), d.summary])),
    '',
    'Examples:',
    ...members.flatMap((d) => d.examples.slice(0, 1)).map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** `driftwatch --help`: every command by its full path. */
export function overviewText(spec: ProgramSpec): string {
  return [
    `${spec.name} — ${spec.summary}`,
    '',
    `Usage: ${spec.name} <command> [options]      (${spec.name} <command> --help for its options)`,
    '',
    'Commands:',
    ...columns(spec.commands.map(({ definition: d }) => [d.path.join(' '), d.summary])),
    '',
    'Options:',
    ...columns([
      ['-h, --help', 'show this help'],
      ['-v, --version', 'print the version'],
    ]),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    ...spec.notes,
    '',
  ].join('\n');
}

/** A commander error → the usage error that `driftwatch:` prints (exit 2); help and version (exit 0) pass through. */
function usageError(err: CommanderError, words: readonly string[], spec: ProgramSpec, subcommands: string[]): Error {
  if (err.exitCode === 0) return err;
  const where = [spec.name, ...words].join(' ');
  if (err.code === 'commander.help') {
    // a group named without one of its commands
    const what = words.length === 0 ? 'name a command' : `'${words.join(' ')}' needs one of`;
    return new UsageError(`${what}: ${subcommands.join(', ')}. Run '${where} --help' for what they do.`);
  }
  // commander's "error: unknown option '--methd'\n(Did you mean --method?)" as one line
  const message = err.message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)')
    .replace(/\.$/, '');
  const forWhat = err.code === 'commander.unknownCommand' ? 'the commands' : 'the usage';
  return new UsageError(`${message}. Run '${where} --help' for ${forWhat}.`);
}

type ReadBack = (cmd: Commander) => { values: OptionValues; positionals: string[] };

/** Adds one command's arguments and options to commander and returns how to read them back by option name. */
function declare(cmd: Commander, def: CommandDefinition): ReadBack {
  const where = def.path.join(' ');
  for (const a of def.arguments ?? []) {
    const argument = new Argument(argumentTerm(a, '...'), a.description);
    if (a.choices) argument.argParser(choiceParser(`${where}: <${a.name}>`, a.choices, Boolean(a.variadic)));
    cmd.addArgument(argument);
  }
  const keys: [string, string][] = [];
  for (const [name, o] of Object.entries(def.options)) {
    const option = new Option(optionFlags(name, o), o.description);
    if (o.default !== undefined) option.default(o.default);
    if (o.choices) option.argParser(choiceParser(`--${name}`, o.choices, Boolean(o.multiple)));
    else if (o.multiple) option.argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
    cmd.addOption(option);
    keys.push([name, option.attributeName()]);
  }
  return (parsed) => {
    const given = parsed.opts();
    return { values: Object.fromEntries(keys.map(([name, key]) => [name, given[key]])), positionals: [...parsed.args] };
  };
}

/**
 * Parses `argv` (the words after `driftwatch`) and runs the command it names; returns the exit code. Usage
 * errors are thrown as UsageError, a command's own failures as whatever it throws.
 */
export async function runProgram(spec: ProgramSpec, argv: readonly string[]): Promise<number> {
  if (argv.length === 0) {
    process.stdout.write(overviewText(spec));
    return 0;
  }
  let exitCode = 0;
  const program = new Commander(spec.name);
  const overrideExits = (cmd: Commander, words: readonly string[]) =>
    cmd.exitOverride((err) => {
      throw usageError(
        err,
        words,
        spec,
        cmd.commands.map((c) => c.name()).filter((n) => n !== 'help'),
      );
    });
  const helpTexts = new Map<Commander, () => string>([[program, () => overviewText(spec)]]);
  program
    .version(spec.version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    // messages become UsageErrors (printed once, by the caller); help and version go to stdout
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: () => undefined,
      outputError: () => undefined,
    })
    .configureHelp({ formatHelp: (cmd) => helpTexts.get(cmd)?.() ?? '' })
    .showSuggestionAfterError(true);
  overrideExits(program, []);
  for (const entry of spec.commands) {
    const { definition: def } = entry;
    let parent = program;
    for (const [depth, word] of def.path.slice(0, -1).entries()) {
      let group = parent.commands.find((c) => c.name() === word);
      if (!group) {
        group = parent.command(word).summary(spec.groups[word] ?? '');
        overrideExits(group, def.path.slice(0, depth + 1));
        helpTexts.set(group, () => groupHelpText(spec, word));
      }
      parent = group;
    }
    const cmd = parent.command(def.path[def.path.length - 1]).summary(def.summary);
    overrideExits(cmd, def.path);
    helpTexts.set(cmd, () => helpText(def));
    const read = declare(cmd, def);
    cmd.action(async () => {
      const { values, positionals } = read(cmd);
      const command = await entry.load();
      exitCode = await command.run(values, positionals, [...argv]);
    });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    throw e;
  }
  return exitCode;
}
