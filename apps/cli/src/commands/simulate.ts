import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ParameterError } from '@driftwatch/contracts';
import { parseJsonWithPositions } from '@driftwatch/ingest';
import { simulateCluster, type FaultType, type SimulationOptions } from '@driftwatch/simulate';
import { writeSimulationFiles, type SimulationFormat } from '@driftwatch/simulate/files';
import { commandLine, intOption, optionalString, requireString, type Command, type OptionValues } from '../command';
import { progressBar } from '../progress';
import { UsageError } from '../cli-error';
import { writeFolderAtomic } from '../output-folder';
import { simulateDefinition } from './simulate.def';

/** A number flag; absent → undefined. */
function numberOption(values: OptionValues, name: string): number | undefined {
  const v = optionalString(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${v}'`);
  return n;
}

/** SimulationOptions from --config and the flags (flags win), plus the seed. */
export async function simulationFromFlags(values: OptionValues): Promise<{ options: SimulationOptions; seed: number }> {
  const file = optionalString(values, 'config');
  let options: SimulationOptions = {};
  if (file) {
    const text = await readFile(file, 'utf8');
    parseJsonWithPositions(text, file); // a syntax error gets its line and column
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ParameterError(`${file}: expected a JSON object of simulation parameters`);
    options = parsed as SimulationOptions;
  }
  const set = <T>(value: T | undefined, apply: (v: T) => void) => value !== undefined && apply(value);
  const workload = { ...(options.workload ?? {}) };
  const faults = { ...(options.faults ?? {}) };
  set(numberOption(values, 'nodes'), (v) => (options.nodes = v));
  set(numberOption(values, 'steps'), (v) => (options.steps = v));
  set(optionalString(values, 'topology') as 'layered' | 'dag' | undefined, (v) => (options.topology = v));
  set(numberOption(values, 'rewiring'), (v) => (options.rewiring = v));
  set(numberOption(values, 'noise'), (v) => (options.structuralNoise = v));
  set(numberOption(values, 'window'), (v) => (options.graphWindow = v));
  set(numberOption(values, 'measurement-noise'), (v) => (options.measurementNoise = v));
  set(numberOption(values, 'burst'), (v) => (workload.burstAmplitude = v));
  set(numberOption(values, 'faults'), (v) => (faults.count = v));
  set(numberOption(values, 'fault-start'), (v) => (faults.start = v));
  set(numberOption(values, 'delay'), (v) => (faults.delay = v));
  set(numberOption(values, 'attenuation'), (v) => (faults.attenuation = v));
  set(numberOption(values, 'label-fraction'), (v) => (faults.labelFraction = v));
  set(optionalString(values, 'fault-types'), (v) => (faults.types = v.split(',').map((s) => s.trim()) as FaultType[]));
  if (Object.keys(workload).length > 0) options.workload = workload;
  if (Object.keys(faults).length > 0) options.faults = faults;
  return { options, seed: intOption(values, 'seed', 0) };
}

export function parseFormats(v: string | undefined): SimulationFormat[] {
  const given = v ?? 'both';
  if (given === 'both') return ['csv', 'arrow'];
  if (given === 'csv' || given === 'arrow') return [given];
  throw new UsageError(`--format expects csv, arrow or both, got '${given}'`);
}

export const simulate: Command = {
  ...simulateDefinition,
  async run(values, _positionals, argv) {
    const out = requireString(values, 'out', simulate);
    const formats = parseFormats(optionalString(values, 'format'));
    if (existsSync(out) && !values.force) throw new UsageError(`${out} exists (use --force to replace it)`);
    if (existsSync(out) && !(await stat(out)).isDirectory()) throw new UsageError(`${out} exists and is not a folder`);
    const { options, seed } = await simulationFromFlags(values);
    const bar = progressBar(`simulate ${basename(out)}`, 2);
    const t0 = performance.now();
    const sim = simulateCluster(options, seed);
    bar.update(
      1,
      `${sim.series.entities.length} nodes × ${sim.series.length} steps ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    let files: string[] = [];
    await writeFolderAtomic(out, Boolean(values.force), async (dir) => {
      files = await writeSimulationFiles(dir, sim, formats, commandLine(argv));
    });
    bar.done();
    const labelled = sim.series.labels!.reduce((a, b) => a + b, 0);
    process.stdout.write(
      [
        `${out}: ${sim.series.entities.length} nodes, ${sim.series.length} ` +
          `steps, ${sim.series.features.length} metrics (seed ${seed})`,
        `  ${sim.rootFaults.length} root faults, ${sim.faults.length} fault ` +
          `effects; ${((100 * labelled) / sim.series.labels!.length).toFixed(1)}% of node-steps labelled ` +
          `anomalous`,
        `  ${sim.trueGraphs.length} graph windows, ${sim.rewiring.moves} edge moves; observed graphs ` +
          `with ${Math.round(sim.config.structuralNoise * 100)}% structural noise`,
        `  files: ${files.join(', ')}`,
        `  next: driftwatch convert ${join(out, formats.includes('csv') ? 'metrics.csv' : 'metrics.arrow')}` +
          ' --to parquet ' +
          (formats.includes('csv')
            ? '--format long-csv --map entity=entity --map timestampUnit=iso'
            : '--map entity=entity'),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
