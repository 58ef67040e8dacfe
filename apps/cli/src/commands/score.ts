import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { initBackend, loadDetector, readManifest, type BackendPreference } from '@driftwatch/models';
import { episodesPathFor, listOmniEntities, recordScoreFormatOf, writeScoreFile } from '@driftwatch/ingest';
import { scoresByRecord } from '@driftwatch/eval';
import { DriftwatchError } from '@driftwatch/contracts';
import { intOption, listOption, optionalString, requireString, type Command, type OptionValues } from '../command';
import { dataRoot } from '../workspace';
import {
  isDeepMethod,
  loadEntitySequences,
  resolveEntities,
  ownDataManifest,
  scoreOnInput,
  testWindows,
  type ScorePosition,
} from '@driftwatch/experiments';
import { UsageError } from '../cli-error';
import { inputMapping, inputPaths } from '../input-options';
import { progressBar } from '../progress';
import { parseDataset } from '../dataset-option';
import { scoreDefinition } from './score.def';

const INPUT_ONLY_FLAGS = ['episodes', 'threshold', 'score-position', 'map', 'mapping', 'format', 'entity-column'];

function thresholdOption(values: OptionValues): number | undefined {
  const text = optionalString(values, 'threshold');
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!Number.isFinite(x)) throw new UsageError(`--threshold expects a number, got '${text}'`);
  return x;
}

async function scoreInput(values: OptionValues, inputs: string[]): Promise<number> {
  const modelDir = resolve(requireString(values, 'model', score));
  const out = resolve(requireString(values, 'out', score));
  if (!recordScoreFormatOf(out))
    throw new UsageError(`--out ${out}: name the score file .csv, .arrow or .parquet (the format follows the name)`);
  const episodes = resolve(optionalString(values, 'episodes') ?? episodesPathFor(out));
  const threshold = thresholdOption(values);
  const top = intOption(values, 'top', 3, 1);
  const manifest = await readManifest(modelDir);
  ownDataManifest(manifest, modelDir);
  if (isDeepMethod(manifest.detector)) await initBackend((values.backend as BackendPreference) ?? 'auto');
  const detector = await loadDetector(modelDir);
  const started = Date.now();
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    await mkdir(dirname(out), { recursive: true });
    await mkdir(dirname(episodes), { recursive: true });
    const result = await scoreOnInput(detector, manifest, modelDir, {
      inputs,
      mapping: await inputMapping(values),
      entityColumn: optionalString(values, 'entity-column'),
      threshold,
      scorePosition: optionalString(values, 'score-position') as ScorePosition | undefined,
      top,
      out,
      episodes,
      log: (line) => process.stderr.write(`${line}\n`),
      onEntity: (done, total, entity) => {
        bar ??= progressBar('score', total);
        bar.update(done, entity);
      },
    });
    bar?.done();
    if (result.unseenDomains.length > 0 && manifest.detector.includes('divad'))
      process.stderr.write(
        `${manifest.detector} learnt the domains ${manifest.domains.join(', ')}; scored without a domain: ` +
          `${result.unseenDomains.join(', ')}\n`,
      );
    process.stdout.write(
      `${out}: ${result.records} records of ${result.entities.length} entities, ${result.alarms} alarm records ` +
        `(threshold ${result.threshold.toPrecision(6)}), ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `${episodes}: ${result.episodes.length} alarm episode(s)\n`,
    );
    return 0;
  } finally {
    detector.dispose();
  }
}

export const score: Command = {
  ...scoreDefinition,
  async run(values) {
    const inputs = inputPaths(values, ['dataset', 'entities', 'data-root']);
    if (inputs) return scoreInput(values, inputs);
    const given = INPUT_ONLY_FLAGS.filter((f) => values[f] !== undefined);
    if (given.length > 0)
      throw new UsageError(`${given.map((f) => `--${f}`).join(', ')} need --input (your own metric files)`);
    const modelDir = resolve(requireString(values, 'model', score));
    const out = resolve(requireString(values, 'out', score));
    const manifest = await readManifest(modelDir);
    if (manifest.featurePlan)
      throw new UsageError(`${modelDir} was trained with --input: score it with --input <your metric files>`);
    const dataset = parseDataset(optionalString(values, 'dataset') ?? manifest.trainedOn?.dataset);
    if (!manifest.standardisation)
      throw new DriftwatchError(
        `${modelDir}/manifest.json has no standardisation: it was not written by driftwatch train`,
      );
    if (isDeepMethod(manifest.detector)) await initBackend((values.backend as BackendPreference) ?? 'auto');
    const detector = await loadDetector(modelDir);
    const root = dataRoot(values);
    const available = await listOmniEntities(root, dataset);
    const trainedOn = new Set(manifest.trainedOn?.sequences ?? []);
    const listed = listOption(values, 'entities');
    const entities = listed
      ? resolveEntities(listed, available)
      : available.filter((e) => !trainedOn.has(`${dataset}/${e}`));
    if (entities.length === 0)
      throw new DriftwatchError('no entity to score: the model was trained on all of them; name some with --entities');
    const sequences = await loadEntitySequences(root, dataset, entities);
    const bar = progressBar('score', sequences.length);
    const entries = [];
    for (const [i, seq] of sequences.entries()) {
      const windows = testWindows(seq, manifest.standardisation, detector.windowLength);
      const windowScores = await detector.scoreWindows(windows);
      entries.push({ sequenceId: seq.id, scores: scoresByRecord(windowScores, detector.windowLength) });
      bar.update(i + 1, seq.entity);
    }
    detector.dispose();
    // a new folder for the score file is made, as `train --out` makes its model folder
    await mkdir(dirname(out), { recursive: true });
    await writeScoreFile(out, entries);
    bar.done(`${entries.length} sequences → ${out}`);
    return 0;
  },
};
