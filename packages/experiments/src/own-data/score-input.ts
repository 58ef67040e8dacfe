/**
 * `driftwatch score --model DIR --input …`: per-record scores, smoothed scores, the threshold and alarms of a model
 * trained with `train --input`, and the alarm episodes with the features behind each.
 */
import { rm } from 'node:fs/promises';
import { DriftwatchError, type Detector, type ModelManifest, type Sequence } from '@driftwatch/contracts';
import {
  applyStandardisation,
  subsetIndexedWindows,
  windowSequences,
  writeEpisodes,
  writeRecordScores,
  type AlarmEpisode,
  type EntityRecordScores,
  type InputMappingSpec,
} from '@driftwatch/ingest';
import { explainWindows, topFeatures } from '@driftwatch/models';
import {
  alarmEpisodes,
  alarmFlags,
  placeWindowScores,
  scoreRecord,
  smoothPresent,
  warmupFlags,
  type ScorePosition,
} from './alarms';
import { applyFeaturePlan, gapRecords } from './feature-plan';
import { readOwnInput } from './inputs';

export interface ScoreInputOptions {
  inputs: readonly string[];
  mapping: InputMappingSpec;
  /** --entity-column (default: the training input's) */
  entityColumn?: string;
  /** overrides the calibrated threshold */
  threshold?: number;
  /** overrides the calibrated position */
  scorePosition?: ScorePosition;
  /** features per episode (default 3) */
  top?: number;
  out: string;
  episodes: string;
  log?: (line: string) => void;
  /** after each entity is scored */
  onEntity?: (done: number, total: number, entity: string) => void;
}

export interface ScoreInputResult {
  entities: string[];
  records: number;
  alarms: number;
  episodes: AlarmEpisode[];
  /** entities whose domain the model never saw (domain-aware detectors score them without one) */
  unseenDomains: string[];
  threshold: number;
}

/** The manifest parts `score --input` needs, or an error saying how the model was made instead. */
export function ownDataManifest(manifest: ModelManifest, dir: string) {
  const { featurePlan, calibration, standardisation } = manifest;
  if (!featurePlan || !calibration || !standardisation)
    throw new DriftwatchError(
      `${dir} was trained with --dataset (its manifest has no feature plan or calibration): score it with ` +
        '--dataset, or retrain it with driftwatch train --input',
    );
  return { featurePlan, calibration, standardisation };
}

/**
 * An input error about a column the model's training input had (used because no flag named another) gets the
 * flag that names this input's column instead.
 */
function withColumnHint(error: unknown, columns: [string | undefined, string | undefined, string][]): unknown {
  if (!(error instanceof DriftwatchError)) return error;
  const hints = columns
    .filter(([used, trained]) => used !== undefined && used === trained && error.message.includes(`"${used}"`))
    .map(([used, , flag]) => `column ${used} comes from the training input; name this input's with ${flag}`);
  return hints.length === 0 ? error : new DriftwatchError(`${error.message} (${hints.join('; ')})`);
}

/** Per record of one standardised entity: raw window scores placed by position; windows holding a gap unscored. */
async function entityScores(
  detector: Detector,
  seq: Sequence,
  position: ScorePosition,
): Promise<{ score: Float64Array; windows: ReturnType<typeof windowSequences>; clean: Int32Array }> {
  const W = detector.windowLength;
  const gaps = gapRecords(seq);
  const windows = windowSequences([seq], W, { domains: [seq.domain] });
  const clean: number[] = [];
  let lastGap = -1;
  for (let t = 0, i = 0; t < seq.length; t++) {
    if (gaps[t]) lastGap = t;
    if (t >= W - 1) {
      if (lastGap < t - W + 1) clean.push(i);
      i++;
    }
  }
  const cleanIndex = Int32Array.from(clean);
  const subset = subsetIndexedWindows(windows, cleanIndex);
  const raw = subset.count > 0 ? await detector.scoreWindows(subset) : new Float32Array(0);
  const ends = Int32Array.from(cleanIndex, (i) => windows.endOf(i));
  return { score: placeWindowScores(seq.length, ends, raw, W, position), windows, clean: cleanIndex };
}

/** Scores every entity of the input, writes the record-score file and the episodes file (nothing on error). */
export async function scoreOnInput(
  detector: Detector,
  manifest: ModelManifest,
  modelDir: string,
  options: ScoreInputOptions,
): Promise<ScoreInputResult> {
  const log = options.log ?? (() => undefined);
  const { featurePlan: plan, calibration, standardisation } = ownDataManifest(manifest, modelDir);
  const position = options.scorePosition ?? calibration.scorePosition;
  const threshold = options.threshold ?? calibration.threshold;
  const top = options.top ?? 3;
  // the entity and time columns default to the training input's, and times are read in its unit
  const mapping: InputMappingSpec = { ...options.mapping };
  mapping.timestamp ??= plan.timestampColumn;
  if (mapping.timestamp !== undefined) mapping.timestampUnit ??= plan.timestampUnit;
  const entityColumn = options.entityColumn ?? mapping.entity ?? plan.entityColumn;
  const input = await readOwnInput(options.inputs, { mapping, entityColumn, domain: plan.domain }).catch(
    (error: unknown) => {
      throw withColumnHint(error, [
        [entityColumn, plan.entityColumn, '--entity-column NAME'],
        [mapping.timestamp, plan.timestampColumn, '--map timestamp=NAME'],
      ]);
    },
  );
  log(
    `read ${input.sequences.length} entities, ` +
      `${input.sequences.reduce((n, q) => n + q.length, 0)} records from ${input.files.length} file(s)`,
  );
  const W = detector.windowLength;
  const lag = plan.difference.length > 0 ? 1 : 0;
  const known = new Set(manifest.domains);
  const unseenDomains = input.sequences.filter((s) => !known.has(s.domain)).map((s) => s.entity);
  const rows: EntityRecordScores[] = [];
  const episodes: AlarmEpisode[] = [];
  let alarms = 0;
  for (const [k, raw] of input.sequences.entries()) {
    options.onEntity?.(k, input.sequences.length, raw.entity);
    const seq = applyStandardisation(applyFeaturePlan(raw, plan), standardisation);
    const placed = await entityScores(detector, seq, position);
    const smoothed = smoothPresent(placed.score, calibration.smoothing, calibration.smoothingStart);
    const alarm = alarmFlags(smoothed, threshold);
    const warmup = warmupFlags(seq.length, W, lag, position);
    for (const a of alarm) alarms += a;
    rows.push({
      entity: seq.entity,
      timestamps: seq.timestamps,
      warmup,
      score: placed.score,
      smoothed,
      threshold: new Float64Array(seq.length).fill(threshold),
      alarm,
    });
    const spans = alarmEpisodes(alarm, smoothed, calibration.mergeGap);
    options.onEntity?.(k + 1, input.sequences.length, raw.entity);
    if (spans.length === 0) continue;
    // the window whose score sits at each peak record, among the scored windows
    const windowAt = new Map<number, number>();
    placed.clean.forEach((i) => windowAt.set(scoreRecord(placed.windows.endOf(i), W, position), i));
    const peakWindows = Int32Array.from(spans, (s) => windowAt.get(s.peak)!);
    const explained = await explainWindows(detector, subsetIndexedWindows(placed.windows, peakWindows));
    const F = plan.features.length;
    spans.forEach((span, e) => {
      const row = explained.attributions.subarray(e * F, (e + 1) * F);
      const total = row.reduce((a, b) => a + b, 0);
      const time = (r: number) => (seq.timestamps ? Number(seq.timestamps[r]) : undefined);
      episodes.push({
        entity: seq.entity,
        firstRecord: span.first,
        lastRecord: span.last,
        start: time(span.first),
        end: time(span.last),
        peakTime: time(span.peak),
        peakRecord: span.peak,
        peakScore: smoothed[span.peak],
        topFeatures: topFeatures(explained.attributions, F, e, top).map((j) => ({
          name: plan.features[j],
          share: total > 0 ? row[j] / total : 0,
        })),
      });
    });
  }
  await writeRecordScores(options.out, rows);
  try {
    await writeEpisodes(options.episodes, episodes);
  } catch (error) {
    // the two files belong together: without its episodes the score file is removed again
    await rm(options.out, { force: true });
    throw error;
  }
  return {
    entities: input.sequences.map((s) => s.entity),
    records: rows.reduce((n, r) => n + r.score.length, 0),
    alarms,
    episodes,
    unseenDomains,
    threshold,
  };
}
