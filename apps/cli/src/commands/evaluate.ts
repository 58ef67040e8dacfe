import { basename, resolve } from 'node:path';
import { evaluateOverSmoothing, gridPointFields, SMOOTHING_GRID, type PeakF1Result } from '@driftwatch/eval';
import { readScoreFile } from '@driftwatch/ingest';
import { DriftwatchError, type ResultRecord } from '@driftwatch/contracts';
import { optionalString, requireString, type Command } from '../command';
import { dataRoot } from '../workspace';
import { appendResult, loadEntitySequences } from '@driftwatch/experiments/data';
import { fmt, renderTable } from '../table';
import { UsageError } from '../cli-error';
import { parseDataset } from '../dataset-option';
import { evaluateDefinition } from './evaluate.def';

/** Leading records a score file marks as "before the first window" (the lowest finite value). */
export function paddingLength(scores: Float64Array): number {
  let n = 0;
  while (n < scores.length && scores[n] === -Number.MAX_VALUE) n++;
  return n;
}

function parseSmoothing(v: string | undefined): readonly number[] {
  if (v === undefined || v === 'grid') return SMOOTHING_GRID;
  const list = v.split(',').map(Number);
  if (list.some((b) => !(b >= 0 && b < 1)))
    throw new UsageError(`--smoothing expects 'grid' or factors in [0, 1), got '${v}'`);
  return list;
}

export const evaluate: Command = {
  ...evaluateDefinition,
  async run(values) {
    const file = resolve(requireString(values, 'scores', evaluate));
    const dataset = parseDataset(optionalString(values, 'dataset'));
    const grid = parseSmoothing(optionalString(values, 'smoothing'));
    const method = optionalString(values, 'method') ?? basename(file).replace(/\.(arrow|csv)$/, '');
    const out = optionalString(values, 'out');
    const scores = await readScoreFile(file);
    const entities = [...scores.keys()].map((id) => {
      const [ds, entity] = id.split('/');
      if (ds !== dataset || !entity)
        throw new DriftwatchError(`${file}: sequence '${id}' is not a ${dataset} sequence`);
      return entity;
    });
    const sequences = await loadEntitySequences(dataRoot(values), dataset, entities);
    const rows: (string | number)[][] = [];
    for (const seq of sequences) {
      const s = scores.get(seq.id)!;
      if (s.length !== seq.length)
        throw new DriftwatchError(
          `${file}: ${seq.id} has ${s.length} scores but the sequence has ${seq.length} records`,
        );
      const pad = paddingLength(s);
      const windowScores = s.subarray(pad);
      let best: { smoothing: number; r: PeakF1Result } | undefined;
      for (const point of evaluateOverSmoothing(windowScores, seq.labels!, pad + 1, { grid })) {
        const { smoothing, result: r } = point;
        if (!best || r.peakF1 > best.r.peakF1) best = { smoothing, r };
        if (out) {
          const record: ResultRecord = {
            method,
            dataset,
            testSequence: seq.id,
            ...gridPointFields(point),
            trainSeconds: NaN,
            scoreSeconds: NaN,
            backend: 'n/a',
            seed: NaN,
            params: { scoreFile: file },
          };
          await appendResult(out, record);
        }
      }
      rows.push([
        seq.id,
        String(best!.smoothing),
        fmt(best!.r.peakF1),
        fmt(best!.r.precision),
        fmt(best!.r.recall),
        fmt(best!.r.aucPr),
      ]);
    }
    process.stdout.write(
      `${renderTable(['sequence', 'best β', 'peak F1', 'P', 'R', 'AUC-PR'], rows, ['l', 'r', 'r', 'r', 'r', 'r'])}\n`,
    );
    return 0;
  },
};
