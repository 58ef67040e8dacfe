import { mkdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { gridPointFields, SMOOTHING_GRID, type SmoothingGridPoint } from '@driftwatch/eval';
import {
  applyLabels,
  checkLabelEntities,
  isRecordScoreFile,
  labelTypes,
  readLabelFile,
  readRecordScores,
  readScoreFile,
  checkOutputFile,
} from '@driftwatch/ingest';
import { DriftwatchError, type ResultRecord } from '@driftwatch/contracts';
import { optionalString, requireString, type Command, type OptionValues } from '../command';
import { dataRoot } from '../workspace';
import {
  appendResultUnit,
  checkSequenceScores,
  evaluateRecordScores,
  truncateTornTail,
  resolveTestSequences,
  VALIDATION_PREFIX,
} from '@driftwatch/experiments/data';
import { fmt, renderTable } from '../table';
import { UsageError } from '../cli-error';
import { evaluateDefinition } from './evaluate.def';

function parseSmoothing(v: string | undefined): readonly number[] {
  if (v === undefined || v === 'grid') return SMOOTHING_GRID;
  const list = v.split(',').map(Number);
  if (list.some((b) => !(b >= 0 && b < 1)))
    throw new UsageError(`--smoothing expects 'grid' or factors in [0, 1), got '${v}'`);
  return list;
}

/** One evaluated sequence: its id, data set and the figures at every smoothing factor. */
interface Evaluated {
  id: string;
  dataset: string;
  points: SmoothingGridPoint[];
}

/** A record-score file of `score --input`: the user's labels file gives the labels, per entity. */
async function evaluateRecordScoreFile(
  file: string,
  labelsFile: string,
  grid: readonly number[],
): Promise<Evaluated[]> {
  const entities = await readRecordScores(file);
  const lines = await readLabelFile(labelsFile);
  checkLabelEntities(
    lines,
    entities.map((e) => e.entity),
    labelsFile,
  );
  const types = labelTypes(lines);
  for (const e of entities) checkSequenceScores(e.score, `${file}: entity ${e.entity}`, 'anywhere');
  return entities.map((e) => {
    const base = { id: e.entity, entity: e.entity, domain: e.entity, features: [], values: new Float32Array(0) };
    const seq = applyLabels({ ...base, length: e.score.length, timestamps: e.timestamps }, lines, types, labelsFile);
    // W − 1: the warm-up records (a NaN score inside, from a window with a missing value, is no warm-up)
    const delayedWindow = e.warmup.reduce((n, w) => n + w, 0);
    const points = evaluateRecordScores(e.score, seq.labels!, { grid, delayedWindow });
    return { id: e.entity, dataset: 'input', points };
  });
}

/** A score file of `score --dataset` or `bench`: sequences named by id, labels from the data they name. */
async function evaluateSequenceScoreFile(
  file: string,
  values: OptionValues,
  grid: readonly number[],
  inputs: string[],
): Promise<Evaluated[]> {
  const scores = await readScoreFile(file);
  const ids = [...scores.keys()].filter((id) => !id.startsWith(VALIDATION_PREFIX));
  const calibration = [...scores].filter(([id]) => id.startsWith(VALIDATION_PREFIX)).map(([, s]) => s);
  for (const [id, s] of scores)
    checkSequenceScores(s, `${file}: sequence ${id}`, id.startsWith(VALIDATION_PREFIX) ? 'nowhere' : 'ends');
  const wanted = optionalString(values, 'dataset');
  for (const id of ids)
    if (wanted && id.split('/')[0] !== wanted)
      throw new DriftwatchError(`${file}: sequence '${id}' is not a ${wanted} sequence`);
  const sequences = await resolveTestSequences(ids, { dataRoot: () => dataRoot(values), tsbAd: inputs });
  return ids.map((id) => {
    const seq = sequences.get(id)!;
    const s = scores.get(id)!;
    if (s.length !== seq.length)
      throw new DriftwatchError(`${file}: ${id} has ${s.length} scores but the sequence has ${seq.length} records`);
    return {
      id,
      dataset: id.split('/')[0],
      points: evaluateRecordScores(s, seq.labels!, { grid, ...(calibration.length ? { calibration } : {}) }),
    };
  });
}

export const evaluate: Command = {
  ...evaluateDefinition,
  async run(values) {
    const file = resolve(requireString(values, 'scores', evaluate));
    const grid = parseSmoothing(optionalString(values, 'smoothing'));
    const method = optionalString(values, 'method') ?? basename(file).replace(/\.(arrow|csv|parquet)$/, '');
    const out = optionalString(values, 'out');
    const labelsFile = optionalString(values, 'labels');
    const inputs = (values.input as string[] | undefined) ?? [];
    if (out) checkOutputFile('--out', out, [file, ...(labelsFile ? [labelsFile] : []), ...inputs]);
    let evaluated: Evaluated[];
    if (await isRecordScoreFile(file)) {
      if (!labelsFile)
        throw new UsageError(
          `${file} holds the record scores of your own input, which carry no labels: pass --labels ranges.csv ` +
            '(entity,start,end[,type])',
        );
      evaluated = await evaluateRecordScoreFile(file, labelsFile, grid);
    } else {
      if (labelsFile)
        throw new UsageError(
          `--labels applies to record-score files of \`driftwatch score --input\`; ${file} names data-set ` +
            'sequences, whose labels come with the data',
        );
      evaluated = await evaluateSequenceScoreFile(file, values, grid, inputs);
    }
    // everything is computed before anything is appended: a bad file leaves --out as it was
    if (out) {
      await mkdir(dirname(resolve(out)), { recursive: true });
      // a line torn by an interrupted write would have the next one glued to it
      await truncateTornTail(out);
    }
    const rows: (string | number)[][] = [];
    for (const { id, dataset, points } of evaluated) {
      const best = points.reduce((a, b) => (b.result.peakF1 > a.result.peakF1 ? b : a));
      rows.push([
        id,
        String(best.smoothing),
        fmt(best.result.peakF1),
        fmt(best.result.precision),
        fmt(best.result.recall),
        fmt(best.result.aucPr),
      ]);
      if (!out) continue;
      // one sequence's lines are one unit: appended with one write, all or none
      const unit = points.map((point): ResultRecord => ({
        method,
        dataset,
        testSequence: id,
        ...gridPointFields(point),
        trainSeconds: NaN,
        scoreSeconds: NaN,
        backend: 'n/a',
        seed: NaN,
        params: { scoreFile: file, ...(labelsFile ? { labelsFile: resolve(labelsFile) } : {}) },
      }));
      await appendResultUnit(out, unit);
    }
    process.stdout.write(
      `${renderTable(['sequence', 'best β', 'peak F1', 'P', 'R', 'AUC-PR'], rows, ['l', 'r', 'r', 'r', 'r', 'r'])}\n`,
    );
    return 0;
  },
};
