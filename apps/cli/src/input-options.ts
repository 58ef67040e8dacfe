import { parseMappingArgs, readMappingFile, type InputMappingSpec } from '@driftwatch/ingest';
import { UsageError } from './cli-error';
import { optionalString, type OptionValues } from './command';

/** The input mapping from --mapping, --format and --map (flags win over the file), as `convert` builds it. */
export async function inputMapping(values: OptionValues): Promise<InputMappingSpec> {
  const file = optionalString(values, 'mapping');
  const fromFile = file ? await readMappingFile(file) : {};
  const args: string[] = [];
  const format = optionalString(values, 'format');
  if (format) args.push('--format', format);
  for (const m of (values.map as string[] | undefined) ?? []) args.push('--map', m);
  return { ...fromFile, ...parseMappingArgs(args) };
}

/** --input paths, or undefined; --input and --dataset exclude each other. */
export function inputPaths(values: OptionValues, datasetFlags: readonly string[]): string[] | undefined {
  const inputs = (values.input as string[] | undefined) ?? [];
  if (inputs.length === 0) return undefined;
  const clash = datasetFlags.filter((f) => values[f] !== undefined);
  if (clash.length > 0)
    throw new UsageError(
      `--input reads your own files; ${clash.map((f) => `--${f}`).join(', ')} ` +
        `${clash.length === 1 ? 'is' : 'are'} for the shipped data sets: give one or the other`,
    );
  return inputs;
}
