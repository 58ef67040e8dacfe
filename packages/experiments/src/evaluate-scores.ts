/**
 * Evaluation of the score files the project writes (`driftwatch evaluate`): the sequences they name mapped back to
 * labelled data, and peak F1 per smoothing factor over the scored records only (warm-up records have none).
 */
import { DataRootError, DriftwatchError, type Sequence } from '@driftwatch/contracts';
import {
  deployedMetrics,
  ewmaBySegment,
  PADDING_SCORE,
  peakF1,
  SMOOTHING_GRID,
  type SmoothingGridPoint,
} from '@driftwatch/eval';
import { readTsbAdSeries } from '@driftwatch/ingest';
import { loadEntitySequences } from './folds/omni-protocol';
import { loadEntityParts } from './folds/per-entity';
import { smoothPresent } from './own-data/alarms';

/** Prefix of the validation (calibration) window scores in a benchmark's score files. */
export const VALIDATION_PREFIX = 'validation:';

/** Where the labels of test sequences are read: the data root (asd, smd) and TSB-AD files. */
export interface SequenceSources {
  /** resolved lazily: a file of TSB-AD scores needs no data root */
  dataRoot: () => string;
  tsbAd?: readonly string[];
}

/**
 * The labelled sequence of every test sequence id a score file names: `asd/omi-1` (a whole sequence, loso),
 * `smd/test/machine-2-1` (a test part, per-entity), `tsb-ad/<file name>` (a TSB-AD series).
 */
export async function resolveTestSequences(
  ids: readonly string[],
  sources: SequenceSources,
): Promise<Map<string, Sequence>> {
  const whole = new Map<'asd' | 'smd', string[]>();
  const tests = new Map<'asd' | 'smd', string[]>();
  const tsb: string[] = [];
  for (const id of ids) {
    const parts = id.split('/');
    const [dataset] = parts;
    if ((dataset === 'asd' || dataset === 'smd') && parts.length === 2) {
      whole.set(dataset, [...(whole.get(dataset) ?? []), parts[1]]);
    } else if ((dataset === 'asd' || dataset === 'smd') && parts.length === 3 && parts[1] === 'test') {
      tests.set(dataset, [...(tests.get(dataset) ?? []), parts[2]]);
    } else if (dataset === 'tsb-ad' && parts.length === 2) {
      tsb.push(parts[1]);
    } else {
      throw new DriftwatchError(
        `sequence '${id}' names no data driftwatch can label: expected asd/<entity>, smd/<entity>, ` +
          `<asd|smd>/test/<entity> or tsb-ad/<series>; scores of your own input are evaluated with --labels`,
      );
    }
  }
  const out = new Map<string, Sequence>();
  for (const [dataset, entities] of whole)
    for (const s of await loadEntitySequences(sources.dataRoot(), dataset, entities)) out.set(s.id, s);
  for (const [dataset, entities] of tests)
    for (const p of await loadEntityParts(sources.dataRoot(), dataset, entities)) out.set(p.test.id, p.test);
  if (tsb.length > 0) {
    if (!sources.tsbAd?.length)
      throw new DataRootError(
        `scores of TSB-AD series (${tsb.slice(0, 3).join(', ')}…) need their files for the labels: pass --input <dir>`,
      );
    const series = await readTsbAdSeries(sources.tsbAd);
    for (const name of tsb) {
      const s = series.find((x) => x.name === name);
      if (!s) throw new DataRootError(`TSB-AD series ${name} is not among --input (${sources.tsbAd.join(', ')})`);
      out.set(s.sequence.id, s.sequence);
    }
  }
  return out;
}

/** A record without a score: NaN (warm-up, or a window with a missing value) or the old padding score. */
function unscored(x: number): boolean {
  return Number.isNaN(x) || x === PADDING_SCORE;
}

/** [first, end) of the scored records: outside it, warm-up records (no score: NaN) or padding (PADDING_SCORE). */
export function scoredSpan(scores: ArrayLike<number>): { first: number; end: number } {
  let first = 0;
  while (first < scores.length && unscored(scores[first])) first++;
  let end = scores.length;
  while (end > first && unscored(scores[end - 1])) end--;
  return { first, end };
}

/** Where a score file may hold NaN (no score): warm-up at the ends, anywhere (missing values), or nowhere. */
export type NoScoreRecords = 'ends' | 'anywhere' | 'nowhere';

/**
 * The scores of one sequence of a score file are usable: never ±Infinity, and NaN only where `noScore` allows it.
 * Data-set sequences (`score --dataset`, `bench`) have no missing values, so only their warm-up records at the ends
 * lack a score ('ends'), validation window scores have none missing ('nowhere'), and the record scores of a user's
 * input have NaN wherever a window had a missing value ('anywhere'). Anything else is not what driftwatch writes —
 * a broken detector or an edited file — and leaving it out would change the figures without a word. `what` names
 * the sequence and file in the error.
 */
export function checkSequenceScores(scores: ArrayLike<number>, what: string, noScore: NoScoreRecords): void {
  const { first, end } =
    noScore === 'ends'
      ? scoredSpan(scores)
      : noScore === 'nowhere'
        ? { first: 0, end: scores.length }
        : { first: 0, end: 0 };
  for (let r = 0; r < scores.length; r++) {
    const x = scores[r];
    if (x === Infinity || x === -Infinity)
      throw new DriftwatchError(`${what}: the score of record ${r} is ${x}; expected a finite score`);
    if (Number.isNaN(x) && r >= first && r < end)
      throw new DriftwatchError(
        noScore === 'ends'
          ? `${what}: record ${r} has no score (NaN) between scored records; expected a finite score (only the ` +
              'warm-up records at the ends of a data-set sequence have none)'
          : `${what}: record ${r} has no score (NaN); expected a finite score for every validation window`,
      );
  }
}

/** Label code of the records without a score inside the scored span; peak F1 ignores them (§2 step 1a). */
const NO_SCORE_LABEL = 255;

/** EWMA over the scored records only (the average carries over a gap); 0 at the gaps, which are ignored. */
function ewmaOverScored(scores: Float64Array, beta: number): Float64Array {
  const smoothed = smoothPresent(
    scores.map((x) => (unscored(x) ? NaN : x)),
    beta,
  );
  return smoothed.map((x) => (Number.isNaN(x) ? 0 : x));
}

export interface RecordEvaluationOptions {
  grid?: readonly number[];
  /** validation window scores (one array per training sequence): deployed thresholds are fitted on them */
  calibration?: readonly ArrayLike<number>[];
  /** W − 1, the records left out after each anomaly; default: the records without a score at both ends */
  delayedWindow?: number;
}

/**
 * Peak F1 per smoothing factor of one sequence's record scores: records without a score (warm-up at the ends, a
 * window with a missing value inside) are left out, the EWMA runs over the scored ones, and the W − 1 records after
 * each anomaly are left out (docs/divad.md §2). By default W − 1 is the number of warm-up records: all leading with
 * scores at a window's last record, split between both ends when centred.
 */
export function evaluateRecordScores(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: RecordEvaluationOptions = {},
): SmoothingGridPoint[] {
  if (scores.length !== labels.length)
    throw new DriftwatchError(`${scores.length} scores for ${labels.length} labelled records`);
  const { first, end } = scoredSpan(scores);
  if (end === first) throw new DriftwatchError('no record has a score (all are warm-up)');
  const windowScores = Float64Array.from({ length: end - first }, (_, i) => scores[first + i]);
  const kept = Uint8Array.from({ length: end - first }, (_, i) =>
    unscored(windowScores[i]) ? NO_SCORE_LABEL : labels[first + i],
  );
  const protocol = {
    delayedWindow: options.delayedWindow ?? first + (scores.length - end),
    ignoredLabels: [NO_SCORE_LABEL],
  };
  return (options.grid ?? SMOOTHING_GRID).map((smoothing) => {
    const smoothed = ewmaOverScored(windowScores, smoothing);
    const sequences = [{ scores: smoothed, labels: kept }];
    const result = peakF1(sequences, protocol);
    const deployed = options.calibration?.length
      ? deployedMetrics(ewmaBySegment(options.calibration, smoothing), sequences, protocol)
      : undefined;
    return { smoothing, scores: smoothed, result, ...(deployed ? { deployed } : {}) };
  });
}
