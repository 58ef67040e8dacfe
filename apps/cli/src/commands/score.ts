import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { initBackend, loadDetector, readManifest, type BackendPreference } from '@driftwatch/models';
import { listOmniEntities, writeScoreFile } from '@driftwatch/ingest';
import { recordScores } from '@driftwatch/eval';
import { DriftwatchError } from '@driftwatch/contracts';
import { listOption, optionalString, requireString, type Command } from '../command';
import { dataRoot } from '../workspace';
import { isDeepMethod, loadEntitySequences, resolveEntities, testWindows } from '@driftwatch/experiments';
import { progressBar } from '../progress';
import { parseDataset } from '../dataset-option';
import { scoreDefinition } from './score.def';

export const score: Command = {
  ...scoreDefinition,
  async run(values) {
    const modelDir = resolve(requireString(values, 'model', score));
    const out = resolve(requireString(values, 'out', score));
    const manifest = await readManifest(modelDir);
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
      entries.push({ sequenceId: seq.id, scores: recordScores(windowScores, detector.windowLength, 0) });
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
