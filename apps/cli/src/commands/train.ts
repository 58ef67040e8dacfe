import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { initBackend, describeBackend, type BackendPreference } from '@driftwatch/models';
import { checkOutputFolder, listOmniEntities, sweepStaleTemporaries } from '@driftwatch/ingest';
import type { DomainSource } from '@driftwatch/contracts';
import { intOption, listOption, optionalString, requireString, type Command, type OptionValues } from '../command';
import { dataRoot, datasetsLockSha256 } from '../workspace';
import {
  isDeepMethod,
  loadEntitySequences,
  makeDetector,
  methodParams,
  parseMethods,
  parseParamOverrides,
  prepareTrainingData,
  resolveEntities,
  trainingWindows,
  parseCounterRule,
  FEW_CALIBRATION_RECORDS,
  parseSelector,
  parseTrainRange,
  trainOnInput,
  type ScorePosition,
} from '@driftwatch/experiments';
import { fitProgressReporter, progressBar } from '../progress';
import { UsageError } from '../cli-error';
import { trainDefinition } from './train.def';
import { parseDataset } from '../dataset-option';
import { inputMapping, inputPaths } from '../input-options';

function parseDomain(text: string | undefined): DomainSource {
  if (text === undefined || text === 'entity') return 'entity';
  if (text === 'none') return 'none';
  if (text.startsWith('column:') && text.length > 'column:'.length) return { column: text.slice('column:'.length) };
  throw new UsageError(`--domain expects entity, none or column:NAME, got '${text}'`);
}

/**
 * A model replaces --out whole: refuse, before any training, a folder holding other things (unless --force) or any of
 * the inputs.
 */
async function checkModelOut(out: string, values: OptionValues, inputs: readonly string[]): Promise<void> {
  // what a training killed while saving left beside --out: removed, or a model moved aside put back
  await sweepStaleTemporaries(dirname(out));
  checkOutputFolder(out, {
    flag: '--out',
    what: 'a model directory',
    isPrevious: (dir) => existsSync(join(dir, 'manifest.json')),
    inputs,
    force: values.force === true,
    mode: 'replace',
  });
}

const INPUT_ONLY_FLAGS = ['map', 'mapping', 'format', 'entity-column', 'train-range', 'train-fraction', 'labels'];

async function trainFromInput(values: OptionValues, inputs: string[]): Promise<number> {
  const [method] = parseMethods([requireString(values, 'method', train)]);
  const out = resolve(requireString(values, 'out', train));
  const alsoRead = ['labels', 'mapping'].map((flag) => optionalString(values, flag)).filter((p) => p !== undefined);
  await checkModelOut(out, values, [...inputs, ...alsoRead]);
  const seed = intOption(values, 'seed', 0);
  const epochs = optionalString(values, 'epochs') === undefined ? undefined : intOption(values, 'epochs', 1, 1);
  const params = methodParams(method, 'input', parseParamOverrides(optionalString(values, 'params')), epochs);
  const rangeText = optionalString(values, 'train-range');
  const fractionText = optionalString(values, 'train-fraction');
  if (isDeepMethod(method))
    process.stderr.write(`${describeBackend(await initBackend((values.backend as BackendPreference) ?? 'auto'))}\n`);
  const bar = progressBar(`${method} fit`, 1);
  const started = Date.now();
  const result = await trainOnInput({
    inputs,
    mapping: await inputMapping(values),
    entityColumn: optionalString(values, 'entity-column'),
    domain: parseDomain(optionalString(values, 'domain')),
    range: parseTrainRange(rangeText, fractionText),
    rangeText: rangeText ?? (fractionText !== undefined ? `first ${fractionText} of each entity` : undefined),
    labels: optionalString(values, 'labels'),
    counters: parseCounterRule(optionalString(values, 'counters')),
    selector: parseSelector(optionalString(values, 'selector')),
    scorePosition: (optionalString(values, 'score-position') ?? 'last') as ScorePosition,
    method,
    params,
    seed,
    out,
    onFitProgress: fitProgressReporter(bar),
    onFitted: () => bar.done(),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const c = result.calibration;
  if (c.validationRecords < FEW_CALIBRATION_RECORDS)
    process.stderr.write(
      `warning: the alarm threshold rests on ${c.validationRecords} validation records (fewer than ` +
        `${FEW_CALIBRATION_RECORDS}): expect more false alarms; train on more records, ` +
        'or set --threshold when scoring\n',
    );
  process.stdout.write(
    `saved ${method} to ${out}: ${result.plan.features.length} features, ${result.trainWindows} training and ` +
      `${result.validationWindows} validation windows from ${result.entities.length} entities ` +
      `(${result.report.epochs} epochs, ${((Date.now() - started) / 1000).toFixed(1)} s)\n` +
      `alarm calibration: ${c.selector} threshold ${c.threshold.toPrecision(6)}, smoothing β ${c.smoothing}, ` +
      `${result.validationEpisodes} alarm episode(s) in ${c.validationRecords} validation records\n`,
  );
  return 0;
}

export const train: Command = {
  ...trainDefinition,
  async run(values) {
    const inputs = inputPaths(values, ['dataset', 'hold-out', 'entities', 'data-root']);
    if (inputs) return trainFromInput(values, inputs);
    const given = INPUT_ONLY_FLAGS.filter((f) => values[f] !== undefined);
    if (given.length > 0)
      throw new UsageError(`${given.map((f) => `--${f}`).join(', ')} need --input (your own metric files)`);
    const [method] = parseMethods([requireString(values, 'method', train)]);
    const out = resolve(requireString(values, 'out', train));
    const dataset = parseDataset(optionalString(values, 'dataset'));
    const seed = intOption(values, 'seed', 0);
    const epochs = optionalString(values, 'epochs') === undefined ? undefined : intOption(values, 'epochs', 1, 1);
    const root = dataRoot(values);
    await checkModelOut(out, values, [join(root, dataset)]);
    const available = await listOmniEntities(root, dataset);
    const holdOut = optionalString(values, 'hold-out');
    const listed = listOption(values, 'entities');
    if (holdOut && listed) throw new UsageError('give either --hold-out or --entities, not both');
    const excluded = holdOut ? resolveEntities([holdOut], available) : [];
    const entities = listed ? resolveEntities(listed, available) : available.filter((e) => !excluded.includes(e));
    const params = methodParams(method, dataset, parseParamOverrides(optionalString(values, 'params')), epochs);
    if (isDeepMethod(method))
      process.stderr.write(`${describeBackend(await initBackend((values.backend as BackendPreference) ?? 'auto'))}\n`);

    const sequences = await loadEntitySequences(root, dataset, entities);
    const data = prepareTrainingData(sequences);
    const detector = makeDetector(method, params);
    const windows = trainingWindows(data, detector.windowLength);
    const bar = progressBar(`${method} fit`, 1);
    const report = await detector.fit(windows.train, {
      seed,
      validation: windows.validation,
      onProgress: fitProgressReporter(bar),
    });
    bar.done(`${windows.train.count} training windows from ${entities.length} entities`);
    await detector.save(out, {
      featureNames: sequences[0].features,
      standardisation: data.standardisation,
      trainedOn: { dataset, sequences: sequences.map((s) => s.id), datasetsLockSha256: await datasetsLockSha256() },
    });
    detector.dispose();
    process.stdout.write(
      `saved ${method} to ${out} (${report.epochs} ` +
        'epochs' +
        (report.bestValLoss !== undefined ? `, best validation loss ${report.bestValLoss.toFixed(4)}` : '') +
        `, ${report.seconds.toFixed(1)} s)\n`,
    );
    return 0;
  },
};
