import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  OUTPUT_FORMATS,
  RejectFile,
  checkOutputFile,
  checkTimeOrder,
  realPathOf,
  parseMappingArgs,
  readBatches,
  readMappingFile,
  writeBatches,
  type CsvProgress,
  type InputMappingSpec,
  type OutputFormat,
} from '@driftwatch/ingest';
import { UsageError } from '../cli-error';
import { optionalString, type Command, type OptionValues } from '../command';
import { progressBar } from '../progress';
import { convertDefinition } from './convert.def';

const OUTPUT_EXTENSION: Record<OutputFormat, string> = { arrow: '.arrow', parquet: '.parquet', csv: '.csv' };

/** The mapping from --mapping, --format, --metrics and --map (flags win over the file). */
async function mappingOf(values: OptionValues): Promise<InputMappingSpec> {
  const fromFile = optionalString(values, 'mapping') ? await readMappingFile(optionalString(values, 'mapping')!) : {};
  const args: string[] = [];
  const format = optionalString(values, 'format');
  if (format) args.push('--format', format);
  const metrics = optionalString(values, 'metrics');
  if (metrics) args.push('--metrics', metrics);
  for (const m of (values.map as string[] | undefined) ?? []) args.push('--map', m);
  return { ...fromFile, ...parseMappingArgs(args) };
}

export function defaultOutputPath(input: string, format: OutputFormat): string {
  let name = basename(input);
  if (name.toLowerCase().endsWith('.gz')) name = name.slice(0, -3);
  const stem = extname(name) ? name.slice(0, -extname(name).length) : name;
  return join(dirname(input), `${stem}${OUTPUT_EXTENSION[format]}`);
}

export const convert: Command = {
  ...convertDefinition,
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('convert: name exactly one input file');
    const input = positionals[0];
    const to = optionalString(values, 'to') as OutputFormat | undefined;
    if (!to || !OUTPUT_FORMATS.includes(to))
      throw new UsageError(`convert: --to must be one of ${OUTPUT_FORMATS.join(', ')}`);
    const onError = optionalString(values, 'on-error') ?? 'fail';
    if (onError !== 'fail' && onError !== 'skip') throw new UsageError('convert: --on-error must be fail or skip');
    if (optionalString(values, 'rejects') && onError !== 'skip')
      throw new UsageError('convert: --rejects needs --on-error skip');
    await stat(input); // a missing input is named before anything else happens
    const out = optionalString(values, 'out') ?? defaultOutputPath(input, to);
    const mappingFile = optionalString(values, 'mapping');
    const inputs = mappingFile ? [input, mappingFile] : [input];
    checkOutputFile('--out', out, inputs);
    if (existsSync(out) && !values.force) throw new UsageError(`convert: ${out} exists (use --force to replace it)`);
    const rejectsPath = onError === 'skip' ? (optionalString(values, 'rejects') ?? `${out}.rejects.csv`) : undefined;
    if (rejectsPath) {
      checkOutputFile('--rejects', rejectsPath, inputs);
      if (realPathOf(rejectsPath) === realPathOf(out))
        throw new UsageError(`convert: --rejects ${rejectsPath} is also --out: name another file for the rejects`);
    }
    const mapping = await mappingOf(values);
    const rejects = rejectsPath ? new RejectFile(rejectsPath) : undefined;
    const size = (await stat(input)).size;
    const bar = progressBar(`convert ${basename(input)}`, size);
    try {
      const read = readBatches(input, mapping, {
        onError: onError as 'fail' | 'skip',
        rejects,
        onProgress: (p: CsvProgress) => bar.update(p.bytesRead, `${p.rows.toLocaleString('en-US')} rows`),
      });
      // series with repeated or backward times break every windowed detector downstream: stop at the first
      const batches =
        mapping.timestamp && !values.unordered
          ? checkTimeOrder(read, { timestamp: mapping.timestamp, entity: mapping.entity, file: input })
          : read;
      const report = await writeBatches(out, batches, to);
      bar.done();
      rejects?.commit();
      process.stdout.write(
        `${out}: ${report.rows.toLocaleString('en-US')} rows in ${report.batches} ` +
          `batches, ${report.bytes.toLocaleString('en-US')} bytes (${to})\n`,
      );
      if (rejects) {
        process.stdout.write(
          rejects.count === 0
            ? `no rows rejected (${rejects.path} lists none)\n`
            : `${rejects.count.toLocaleString('en-US')} rows rejected: ${rejects.path}\n`,
        );
      }
      return 0;
    } catch (error) {
      bar.fail();
      rejects?.abort();
      throw error;
    }
  },
};
