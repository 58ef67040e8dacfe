/**
 * `driftwatch train --input`: a detector trained on a user's own metric files, with its feature plan and a
 * label-free alarm calibration pinned in the model directory.
 */
import type {
  CalibrationSelector,
  Detector,
  DomainSource,
  FeaturePlan,
  FitProgress,
  FitReport,
  Calibration,
  Sequence,
} from '@driftwatch/contracts';
import { DriftwatchError } from '@driftwatch/contracts';
import {
  applyLabels,
  applyStandardisation,
  checkLabelEntities,
  fitStandardiser,
  labelTypes,
  readLabelFile,
  tailSplit,
  windowSequences,
  type IndexedWindowSet,
  type InputMappingSpec,
} from '@driftwatch/ingest';
import type { DetectorId } from '@driftwatch/models';
import { VALIDATION_FRACTION } from '../folds/omni-protocol';
import { makeDetector } from '../methods';
import { placeWindowScores, type ScorePosition } from './alarms';
import { calibrate } from './calibration';
import { applyFeaturePlan, gapRecords, planFeatures, type CounterRule } from './feature-plan';
import { readOwnInput } from './inputs';
import { restrictToTrainRange, type TrainRange } from './train-range';

/** Label code of records a window must not contain because a model feature is missing there. */
const GAP_LABEL = 255;

export interface TrainOnInputOptions {
  inputs: readonly string[];
  mapping: InputMappingSpec;
  entityColumn?: string;
  domain: DomainSource;
  range: TrainRange;
  /** the range as the user gave it, for the manifest */
  rangeText?: string;
  labels?: string;
  counters: CounterRule;
  selector: CalibrationSelector;
  scorePosition: ScorePosition;
  method: DetectorId;
  params: Record<string, unknown>;
  seed: number;
  out: string;
  onFitProgress?: (p: FitProgress) => void;
  /** called once the detector is fitted, before calibration */
  onFitted?: () => void;
  /** one line per step, for progress on stderr */
  log?: (line: string) => void;
}

export interface TrainOnInputResult {
  plan: FeaturePlan;
  calibration: Calibration;
  report: FitReport;
  entities: string[];
  trainWindows: number;
  validationWindows: number;
  /** alarm episodes on the validation records at the calibrated β and threshold */
  validationEpisodes: number;
}

/** Model features of the training records, with NaN records marked as gaps (label GAP_LABEL) so no window holds one. */
export function prepareOwnTraining(training: readonly Sequence[], plan: FeaturePlan): Sequence[] {
  return training.map((seq) => {
    const transformed = applyFeaturePlan(seq, plan);
    const gaps = gapRecords(transformed);
    const labels = Uint8Array.from(seq.labels ?? new Uint8Array(seq.length));
    gaps.forEach((g, t) => {
      if (g) labels[t] = GAP_LABEL;
    });
    return { ...transformed, labels };
  });
}

/** Per entity (in `entities` order), window scores placed at their records, NaN elsewhere. */
export function placedValidationScores(
  windows: IndexedWindowSet,
  scores: Float32Array,
  sequences: readonly Sequence[],
  position: ScorePosition,
): Float64Array[] {
  const ends = sequences.map(() => [] as number[]);
  const own = sequences.map(() => [] as number[]);
  for (let i = 0; i < windows.count; i++) {
    ends[windows.sequenceOf(i)].push(windows.endOf(i));
    own[windows.sequenceOf(i)].push(scores[i]);
  }
  return sequences.map((seq, k) => placeWindowScores(seq.length, ends[k], own[k], windows.windowLength, position));
}

/** Reads, plans, fits, calibrates and saves; throws before writing anything when an input is wrong. */
export async function trainOnInput(options: TrainOnInputOptions): Promise<TrainOnInputResult> {
  const log = options.log ?? (() => undefined);
  const input = await readOwnInput(options.inputs, {
    mapping: options.mapping,
    entityColumn: options.entityColumn,
    domain: options.domain,
  });
  log(
    `read ${input.sequences.length} entities, ${input.sequences[0].features.length} metric columns ` +
      `from ${input.files.length} file(s)`,
  );
  let sequences = input.sequences;
  if (options.labels !== undefined) {
    const lines = await readLabelFile(options.labels);
    checkLabelEntities(
      lines,
      sequences.map((s) => s.entity),
      options.labels,
    );
    const types = labelTypes(lines);
    sequences = sequences.map((s) => applyLabels(s, lines, types, options.labels!));
  }
  const training = restrictToTrainRange(sequences, options.range);
  const plan = planFeatures(training, {
    counters: options.counters,
    entityColumn: input.mapping.entity,
    timestampColumn: input.mapping.timestamp,
    timestampUnit: input.mapping.timestampUnit,
    domain: options.domain,
  });
  log(
    `feature plan: ${plan.features.length} features` +
      (plan.difference.length > 0 ? `, differenced ${plan.difference.join(', ')}` : '') +
      (plan.dropped.length > 0 ? `, dropped ${plan.dropped.map((d) => d.name).join(', ')}` : ''),
  );
  const prepared = prepareOwnTraining(training, plan);
  const split = prepared.map((s) => tailSplit(s, VALIDATION_FRACTION));
  const standardisation = fitStandardiser(
    split.map((p) => p.head),
    { normalOnly: true },
  );
  const domains = [...new Set(prepared.map((s) => s.domain))].sort();
  const head = split.map((p) => applyStandardisation(p.head, standardisation));
  const tail = split.map((p) => applyStandardisation(p.tail, standardisation));
  const detector: Detector = makeDetector(options.method, options.params);
  try {
    const W = detector.windowLength;
    const train = windowSequences(head, W, { domains, normalOnly: true });
    const validation = windowSequences(tail, W, { domains, normalOnly: true });
    if (train.count === 0)
      throw new DriftwatchError(
        `no training window: ${options.method} needs ${W} consecutive records without gaps or labels in an ` +
          "entity's training range; give more records (or a wider --train-range)",
      );
    if (validation.count === 0)
      throw new DriftwatchError(
        `no validation window: the last ${VALIDATION_FRACTION * 100}% of each entity's training range holds no ` +
          `${W} consecutive clean records; give more training records`,
      );
    const report = await detector.fit(train, {
      seed: options.seed,
      validation,
      onProgress: options.onFitProgress,
    });
    options.onFitted?.();
    log(`calibrating alarms on ${validation.count} validation windows`);
    const validationScores = await detector.scoreWindows(validation);
    const placed = placedValidationScores(validation, validationScores, tail, options.scorePosition);
    log(`scoring the ${train.count} training windows for the threshold`);
    const trainingPlaced = placedValidationScores(
      train,
      await detector.scoreWindows(train),
      head,
      options.scorePosition,
    );
    const { episodes, ...calibration } = calibrate(placed, options.selector, options.scorePosition, W, trainingPlaced);
    await detector.save(options.out, {
      featureNames: plan.features,
      standardisation,
      featurePlan: plan,
      calibration,
      trainedOn: {
        dataset: 'input',
        sequences: prepared.map((s) => s.entity),
        inputs: input.files,
        ...(options.rangeText !== undefined ? { trainRange: options.rangeText } : {}),
      },
    });
    return {
      plan,
      calibration,
      report,
      entities: prepared.map((s) => s.entity),
      trainWindows: train.count,
      validationWindows: validation.count,
      validationEpisodes: episodes,
    };
  } finally {
    detector.dispose();
  }
}
