/**
 * Label-free alarm calibration on the validation windows (the last 15% of each entity's training range): a
 * smoothing factor β from SMOOTHING_GRID and a threshold from a label-free selector fitted on the smoothed scores.
 */
import { DriftwatchError, type Calibration, type CalibrationSelector } from '@driftwatch/contracts';
import { DEFAULT_SELECTORS, SMOOTHING_GRID, type NamedSelector } from '@driftwatch/eval';
import { alarmEpisodes, alarmFlags, smoothPresent, type ScorePosition } from './alarms';

/** `--selector` names → eval's selector ids. */
export const SELECTOR_NAMES: Readonly<Record<string, CalibrationSelector>> = {
  pot: 'pot-1e-3',
  p99: 'p99',
  'mean+3std': 'mean+3std',
  'median+3mad': 'median+3mad',
  iqr: 'iqr-1.5',
};

/** POT with risk 1e-3: the default, and the selector that adapts to the tail of each model's scores. */
export const DEFAULT_SELECTOR: CalibrationSelector = 'pot-1e-3';

/**
 * The β rule allows one alarm episode per this many validation records (at least one): validation is normal data,
 * so the smoothing must be strong enough that the threshold's exceedances form few episodes, not a rash of blips.
 */
export const RECORDS_PER_VALIDATION_EPISODE = 1000;

/**
 * The least smoothing span 1/(1−β) considered (records): on synthetic data (3 entities × 1,200 records, one metric
 * shifted for 30 records, Mahalanobis, trained on 800) the 3 × 400 unseen records raised 8 false episodes with POT
 * at β = 0 and 15–25 with p99/std/MAD/IQR, but 2 (POT), 5–6 (p99) and 0 (std, MAD) from a span of 10 on, while
 * the shift was caught at every β.
 */
export const MIN_SMOOTHING_SPAN = 10;

/**
 * Fewer validation records than this make a threshold for a false-alarm risk of 1e-3 an extrapolation beyond the
 * data (POT's default risk: one exceedance per 1,000 normal records), so `train` warns.
 */
export const FEW_CALIBRATION_RECORDS = 1000;

/** SMOOTHING_GRID from the least span on. */
export const CALIBRATION_SMOOTHING_GRID: readonly number[] = SMOOTHING_GRID.filter(
  (beta) => 1 / (1 - beta) >= MIN_SMOOTHING_SPAN - 1e-9,
);

export function parseSelector(name: string | undefined): CalibrationSelector {
  if (name === undefined) return DEFAULT_SELECTOR;
  const id = SELECTOR_NAMES[name] ?? (Object.values(SELECTOR_NAMES).includes(name as never) ? name : undefined);
  if (!id)
    throw new DriftwatchError(
      `--selector ${name}: expected one of ${Object.keys(SELECTOR_NAMES).join(', ')} (label-free thresholds)`,
    );
  return id as CalibrationSelector;
}

export function selectorById(id: CalibrationSelector): NamedSelector {
  const selector = DEFAULT_SELECTORS.find((s) => s.id === id);
  if (!selector) throw new DriftwatchError(`no threshold selector ${id}`);
  return selector;
}

/** The smoothed validation scores of every entity under β (EWMA restarting per entity), pooled, finite only. */
export function pooledSmoothed(perEntity: readonly Float64Array[], beta: number, start?: number): Float64Array {
  return poolFinite(perEntity.map((scores) => smoothPresent(scores, beta, start)));
}

/** The finite values of every series, one after another. */
function poolFinite(series: readonly Float64Array[]): Float64Array {
  const pooled: number[] = [];
  for (const values of series) for (const s of values) if (Number.isFinite(s)) pooled.push(s);
  return Float64Array.from(pooled);
}

/** The median of the finite scores: where the smoothing of every entity starts. */
export function typicalScore(perEntity: readonly Float64Array[]): number {
  const finite = perEntity.flatMap((s) => [...s].filter((x) => Number.isFinite(x))).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/**
 * Alarm runs closer than this are one episode: the window length, or the EWMA's span 1/(1−β) when longer, since
 * one disturbance keeps the smoothed score near the threshold for about a span and would otherwise flicker into
 * several episodes.
 */
export function episodeMergeGap(windowLength: number, beta: number): number {
  return Math.max(windowLength, Math.ceil(1 / (1 - beta) - 1e-9));
}

export interface SmoothingChoice {
  beta: number;
  /** the EWMA's starting value: the median raw validation score */
  start: number;
  threshold: number;
  /** alarm episodes on the validation records at that β and threshold */
  episodes: number;
  records: number;
}

/**
 * The smallest β of the grid (default: SMOOTHING_GRID from a span of MIN_SMOOTHING_SPAN records) whose validation
 * scores, thresholded by the selector fitted on them, give at most max(1, ⌊n / RECORDS_PER_VALIDATION_EPISODE⌋)
 * alarm episodes (merged with `mergeGap`); the largest β if none does. Labels play no part: validation windows
 * are normal by construction.
 */
export function chooseSmoothing(
  perEntity: readonly Float64Array[],
  selector: NamedSelector,
  mergeGap: number,
  grid: readonly number[] = CALIBRATION_SMOOTHING_GRID,
): SmoothingChoice {
  const records = perEntity.reduce((n, s) => n + s.filter((x) => Number.isFinite(x)).length, 0);
  if (records === 0)
    throw new DriftwatchError('no validation window to calibrate the alarms on: give more training records per entity');
  const allowed = Math.max(1, Math.floor(records / RECORDS_PER_VALIDATION_EPISODE));
  const start = typicalScore(perEntity);
  let choice: SmoothingChoice | undefined;
  for (const beta of grid) {
    // each entity smoothed once per β: pooled for the threshold, then counted in episodes
    const smoothed = perEntity.map((scores) => smoothPresent(scores, beta, start));
    let threshold: number;
    try {
      threshold = selector.select(poolFinite(smoothed));
    } catch (error) {
      throw new DriftwatchError(`calibration: ${selector.id} could not fit the validation scores: ${String(error)}`);
    }
    const gap = episodeMergeGap(mergeGap, beta);
    const episodes = smoothed.reduce((n, e) => n + alarmEpisodes(alarmFlags(e, threshold), e, gap).length, 0);
    choice = { beta, start, threshold, episodes, records };
    if (episodes <= allowed) return choice;
  }
  return choice!;
}

/**
 * The manifest's calibration from window scores placed at their records (per entity or piece, in time order, NaN
 * where unscored): β and the validation threshold from `chooseSmoothing`; with `training`, the threshold is the
 * larger of that and the selector on the training scores smoothed alike. The validation tail is held out but is
 * only the end of the training range (the night, for a one-day range); the training windows cover every hour but
 * were seen in fitting. Each alone sat too low on the example metrics: DIVAD-GM's smoothed score had a median of
 * 9.5 in the night tail and 10.2 over the training day, and POT on the tail (10.7) alarmed through half of the day.
 */
export function calibrate(
  perEntity: readonly Float64Array[],
  selectorId: CalibrationSelector,
  scorePosition: ScorePosition,
  mergeGap: number,
  training?: readonly Float64Array[],
): Calibration & { episodes: number } {
  const selector = selectorById(selectorId);
  const choice = chooseSmoothing(perEntity, selector, mergeGap);
  const trained = training ? pooledSmoothed(training, choice.beta, choice.start) : undefined;
  const trainingThreshold = trained && trained.length > 0 ? selector.select(trained) : undefined;
  return {
    selector: selectorId,
    smoothing: choice.beta,
    smoothingStart: choice.start,
    threshold: trainingThreshold === undefined ? choice.threshold : Math.max(choice.threshold, trainingThreshold),
    ...(trainingThreshold === undefined
      ? {}
      : { thresholds: { validation: choice.threshold, training: trainingThreshold } }),
    scorePosition,
    mergeGap: episodeMergeGap(mergeGap, choice.beta),
    validationRecords: choice.records,
    episodes: choice.episodes,
  };
}
